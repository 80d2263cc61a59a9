package io.herd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A throw-away CA with a server certificate for {@code 127.0.0.1}/{@code localhost} and a client certificate,
 * made with the {@code openssl} command. Keys are unencrypted PKCS#8 PEM files.
 */
public record EtcdTls(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path clientKey)
{
    public EtcdTls
    {
        requireNonNull(caCert, "caCert is null");
        requireNonNull(serverCert, "serverCert is null");
        requireNonNull(serverKey, "serverKey is null");
        requireNonNull(clientCert, "clientCert is null");
        requireNonNull(clientKey, "clientKey is null");
    }

    /** Whether an {@code openssl} command is on the PATH. */
    public static boolean opensslAvailable()
    {
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (IOException e) {
            return false;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Creates the CA and both certificates in {@code dir}. */
    public static EtcdTls create(Path dir)
    {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("server.ext"),
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n", StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n", StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=herd-test-ca",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        signed(dir, "server", "/CN=localhost");
        signed(dir, "client", "/CN=herd-client");
        return new EtcdTls(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"),
                dir.resolve("client.crt"), dir.resolve("client.key"));
    }

    private static void signed(Path dir, String name, String subject)
    {
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-out", name + ".crt", "-extfile", name + ".ext");
    }

    private static void openssl(Path dir, String... args)
    {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl timed out: " + command);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("openssl failed: " + command + ": " + output);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
