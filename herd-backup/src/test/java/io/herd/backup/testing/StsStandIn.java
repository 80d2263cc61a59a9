package io.herd.backup.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static java.util.Objects.requireNonNull;

/**
 * An STS endpoint on loopback that answers AssumeRole and AssumeRoleWithWebIdentity in the AWS query protocol
 * (form-encoded POST, XML answer), as sts.amazonaws.com does, handing out fixed temporary credentials, or refusing
 * with AccessDenied. No STS-compatible server is available here, and S3Proxy has none; this covers the wire format
 * and Herd's wiring, not AWS's policy checks. Records each request's form fields and Authorization header.
 */
public final class StsStandIn
        implements AutoCloseable
{
    public record Request(Map<String, String> form, String authorization) {}

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final String accessKeyId;
    private final String secretAccessKey;
    private final boolean refuse;

    /** Hands out these credentials (with a session token) to every AssumeRole, or refuses every one. */
    public StsStandIn(String accessKeyId, String secretAccessKey, boolean refuse)
            throws IOException
    {
        this.accessKeyId = requireNonNull(accessKeyId, "accessKeyId is null");
        this.secretAccessKey = requireNonNull(secretAccessKey, "secretAccessKey is null");
        this.refuse = refuse;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Request> requests()
    {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        Map<String, String> form = new LinkedHashMap<>();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        for (String pair : body.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                form.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        requests.add(new Request(form, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))));
        String xml;
        int status;
        String action = String.valueOf(form.get("Action"));
        if (refuse || !(action.equals("AssumeRole") || action.equals("AssumeRoleWithWebIdentity"))) {
            status = 403;
            xml = """
                    <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error>
                      <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
                    </ErrorResponse>
                    """.formatted(form.get("RoleArn"));
        }
        else {
            status = 200;
            xml = """
                    <%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <%sResult>
                        <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/herd/%s</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:%s</AssumedRoleId></AssumedRoleUser>
                        <Credentials>
                          <AccessKeyId>%s</AccessKeyId>
                          <SecretAccessKey>%s</SecretAccessKey>
                          <SessionToken>stand-in-session-token</SessionToken>
                          <Expiration>%s</Expiration>
                        </Credentials>
                      </%sResult>
                      <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
                    </%sResponse>
                    """.formatted(action, action, form.get("RoleSessionName"), form.get("RoleSessionName"), accessKeyId, secretAccessKey,
                    Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS), action, action);
        }
        byte[] answer = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.sendResponseHeaders(status, answer.length);
        exchange.getResponseBody().write(answer);
        exchange.close();
    }

    @Override
    public void close()
    {
        server.stop(0);
    }
}
