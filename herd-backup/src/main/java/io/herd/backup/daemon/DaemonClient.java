package io.herd.backup.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/** A client of {@link WalDaemon} (same framing as walg-daemon-client); returns the reply byte. */
public final class DaemonClient
{
    private final Path socket;

    public DaemonClient(Path socket)
    {
        this.socket = requireNonNull(socket, "socket is null");
    }

    public byte check()
            throws IOException
    {
        return call(DaemonProtocol.CHECK, new byte[0]);
    }

    public byte walPush(String fileName)
            throws IOException
    {
        return call(DaemonProtocol.WAL_PUSH, fileName.getBytes(StandardCharsets.UTF_8));
    }

    public byte walFetch(String name, String destination)
            throws IOException
    {
        return call(DaemonProtocol.WAL_FETCH, DaemonProtocol.encodeArguments(name, destination));
    }

    private byte call(byte type, byte[] body)
            throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(channel);
            InputStream in = Channels.newInputStream(channel);
            DaemonProtocol.write(out, type, body);
            int reply = in.read();
            if (reply < 0) {
                throw new IOException("daemon closed the connection without a reply");
            }
            return (byte) reply;
        }
    }
}
