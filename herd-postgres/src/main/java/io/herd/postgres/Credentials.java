package io.herd.postgres;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** A PostgreSQL role name and its password; {@link #toString()} never shows the password. */
public record Credentials(String username, Optional<String> password)
{
    public Credentials
    {
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        if (username.isEmpty()) {
            throw new IllegalArgumentException("username is empty");
        }
    }

    public static Credentials of(String username, String password)
    {
        return new Credentials(username, Optional.ofNullable(password));
    }

    @Override
    public String toString()
    {
        return username + (password.isPresent() ? " (password set)" : " (no password)");
    }
}
