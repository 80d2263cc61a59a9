package io.herd.postgres;

/** A PostgreSQL operation failed; the message says which and, for a failed program, ends with the tail of its output. */
public class PostgresException
        extends RuntimeException
{
    public PostgresException(String message)
    {
        super(message);
    }

    public PostgresException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
