package io.herd.backup.config;

/** A WALG_* / AWS_* / PG* setting that cannot be used; the message is one line naming the variable, its value and the expected form. */
public class InvalidSettingException
        extends RuntimeException
{
    public InvalidSettingException(String message)
    {
        super(message);
    }

    public static InvalidSettingException invalid(String name, String value, String expected)
    {
        return new InvalidSettingException(name + "='" + value + "' is invalid: expected " + expected);
    }
}
