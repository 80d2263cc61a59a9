package io.herd.cli;

import io.herd.backup.BackupService;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's S3-compatible store: S3Proxy on loopback, backed by a directory, in a JVM of its own (its jars are
 * copied to herd-demo-s3/target/lib by the build). The cluster archives into it exactly as into Amazon S3.
 */
final class DemoS3
{
    static final String BUCKET = "herd-demo";
    static final String ACCESS_KEY = "herd-demo";
    static final String SECRET_KEY = "herd-demo-secret";
    static final String PREFIX = "s3://" + BUCKET + "/spilo/demo/wal/15";

    private DemoS3() {}

    /** herd-demo-s3/target/lib of the checkout or installation this program runs from. */
    static Optional<Path> library()
    {
        for (String start : new String[] {System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0], System.getProperty("user.dir")}) {
            Path dir = Path.of(start).toAbsolutePath();
            for (int i = 0; i < 5 && dir != null; i++, dir = dir.getParent()) {
                Path lib = dir.resolve("herd-demo-s3").resolve("target").resolve("lib");
                if (Files.isDirectory(lib)) {
                    return Optional.of(lib);
                }
            }
        }
        return Optional.empty();
    }

    static Process start(Path library, Path demoDir, int port) throws IOException
    {
        Path data = demoDir.resolve("s3");
        Files.createDirectories(data.resolve(BUCKET));
        Path properties = demoDir.resolve("s3proxy.properties");
        Files.writeString(properties, """
                s3proxy.endpoint=http://127.0.0.1:%d
                s3proxy.authorization=aws-v2-or-v4
                s3proxy.identity=%s
                s3proxy.credential=%s
                jclouds.provider=filesystem-nio2
                jclouds.identity=%s
                jclouds.credential=%s
                jclouds.filesystem.basedir=%s
                """.formatted(port, ACCESS_KEY, SECRET_KEY, ACCESS_KEY, SECRET_KEY, data));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", library + "/*", "org.gaul.s3proxy.Main", "--properties", properties.toString())
                .redirectErrorStream(true)
                .redirectOutput(demoDir.resolve("s3proxy.log").toFile());
        // S3Proxy's own logback configuration reads its level from LOG_LEVEL
        builder.environment().put("LOG_LEVEL", "warn");
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return process;
            }
            catch (IOException e) {
                try {
                    TimeUnit.MILLISECONDS.sleep(200);
                }
                catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        process.destroyForcibly();
        throw new IOException("the embedded S3 store did not start; see " + demoDir.resolve("s3proxy.log"));
    }

    /** WAL-G's variables for the store, as the agents' YAML {@code backup} section. */
    static String backupSection(int port)
    {
        StringBuilder yaml = new StringBuilder("backup:\n");
        environment(port).forEach((key, value) -> yaml.append("  ").append(key).append(": \"").append(value).append("\"\n"));
        yaml.append("  schedule: \"0 * * * *\"\n  retain: 3\n");
        return yaml.toString();
    }

    static Map<String, String> environment(int port)
    {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("WALG_S3_PREFIX", PREFIX);
        env.put("AWS_ENDPOINT", "http://127.0.0.1:" + port);
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_S3_FORCE_PATH_STYLE", "true");
        env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        // S3Proxy, like many S3-compatible stores, refuses the SDK's newer default checksum headers
        env.put("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
        env.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required");
        env.put("WALG_COMPRESSION_METHOD", "brotli");
        return env;
    }

    static boolean awaitFirstBackup(int port, Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (BackupService service = BackupService.fromEnv(environment(port))) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!service.listBackups().isEmpty()) {
                        return true;
                    }
                }
                catch (IOException | RuntimeException e) {
                    // the store or the first backup is not there yet
                }
                TimeUnit.SECONDS.sleep(1);
            }
        }
        return false;
    }

    static String listingHelp(int port)
    {
        return """

                Backups: WAL and base backups go to %s (Spilo's layout), in an S3-compatible store on 127.0.0.1:%d.
                  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws --endpoint-url http://127.0.0.1:%d s3 ls s3://%s/spilo/demo --recursive
                  env WALG_S3_PREFIX=%s AWS_ENDPOINT=http://127.0.0.1:%d AWS_REGION=us-east-1 AWS_S3_FORCE_PATH_STYLE=true \\
                      AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_REQUEST_CHECKSUM_CALCULATION=when_required bin/herd backup-list
                """.formatted(PREFIX, port, ACCESS_KEY, SECRET_KEY, port, BUCKET, PREFIX, port, ACCESS_KEY, SECRET_KEY);
    }
}
