package io.herd.core.cluster;

import java.net.URI;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

public record HostPort(String host, int port)
{
    public HostPort
    {
        requireNonNull(host, "host is null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses {@code host:port}, {@code [v6]:port} or a bare host (then {@code defaultPort}).
     *
     * @throws IllegalArgumentException naming the value when it is not of that form
     */
    public static HostPort parse(String value, int defaultPort)
    {
        requireNonNull(value, "value is null");
        String text = value.trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty address, expected host:port");
        }
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException("'" + value + "' is not host:port (unclosed '[')");
            }
            host = text.substring(1, end);
            if (end + 1 < text.length()) {
                if (text.charAt(end + 1) != ':') {
                    throw new IllegalArgumentException("'" + value + "' is not host:port");
                }
                port = text.substring(end + 2);
            }
        }
        else {
            int colon = text.lastIndexOf(':');
            if (colon >= 0 && text.indexOf(':') == colon) {
                host = text.substring(0, colon);
                port = text.substring(colon + 1);
            }
            else {
                host = text;
            }
        }
        int portNumber = defaultPort;
        if (port != null) {
            try {
                portNumber = Integer.parseInt(port);
            }
            catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + value + "' is not host:port (port '" + port + "' is not a number)");
            }
            if (portNumber < 1 || portNumber > 65535) {
                throw new IllegalArgumentException("'" + value + "' has port " + portNumber + ", expected 1-65535");
            }
        }
        return new HostPort(host, portNumber);
    }

    /** Host and port of a URL such as {@code postgres://10.0.0.1:5432/postgres}; empty when unparsable. */
    public static Optional<HostPort> fromUrl(String url)
    {
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        try {
            URI uri = URI.create(url.trim());
            if (uri.getHost() == null) {
                return Optional.empty();
            }
            int port = uri.getPort();
            if (port < 0) {
                port = switch (String.valueOf(uri.getScheme())) {
                    case "postgres", "postgresql" -> 5432;
                    case "https" -> 443;
                    default -> 80;
                };
            }
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return Optional.of(new HostPort(host, port));
        }
        catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The host as written in a URL authority: IPv6 literals in brackets. */
    public String urlHost()
    {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    @Override
    public String toString()
    {
        return urlHost() + ":" + port;
    }
}
