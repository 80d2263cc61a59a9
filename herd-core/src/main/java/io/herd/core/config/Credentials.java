package io.herd.core.config;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** A PostgreSQL or HTTP user and its password. The password never appears in {@link #toString()}. */
public record Credentials(String username, Optional<String> password)
{
    public Credentials
    {
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
    }

    @Override
    public String toString()
    {
        return "Credentials{username=" + username + ", password=" + (password.isPresent() ? "***" : "none") + "}";
    }
}
