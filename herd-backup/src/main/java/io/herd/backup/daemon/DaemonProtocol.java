package io.herd.backup.daemon;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * WAL-G's daemon framing: one type byte, a big-endian uint16 length that counts the 3 header bytes, then the body.
 * Replies are a single byte. wal-fetch bodies are an argument block: u8 count, then per argument u16 BE length + bytes.
 */
public final class DaemonProtocol
{
    public static final byte CHECK = 'C';
    public static final byte WAL_PUSH = 'F';
    public static final byte WAL_FETCH = 'f';
    public static final byte OK = 'O';
    public static final byte ERROR = 'E';
    public static final byte NOT_FOUND = 'N';

    private DaemonProtocol() {}

    public record Frame(byte type, byte[] body) {}

    /** The next frame, or empty at a clean end of stream. */
    public static Optional<Frame> read(InputStream in)
            throws IOException
    {
        DataInputStream data = new DataInputStream(in);
        int type = data.read();
        if (type < 0) {
            return Optional.empty();
        }
        int length;
        try {
            length = data.readUnsignedShort();
        }
        catch (EOFException e) {
            throw new IOException("truncated frame header");
        }
        if (length < 3) {
            throw new IOException("invalid frame length " + length);
        }
        byte[] body = new byte[length - 3];
        data.readFully(body);
        return Optional.of(new Frame((byte) type, body));
    }

    public static void write(OutputStream out, byte type, byte[] body)
            throws IOException
    {
        int length = body.length + 3;
        if (length > 0xFFFF) {
            throw new IOException("frame too long: " + length);
        }
        byte[] frame = new byte[length];
        frame[0] = type;
        frame[1] = (byte) (length >>> 8);
        frame[2] = (byte) length;
        System.arraycopy(body, 0, frame, 3, body.length);
        out.write(frame);
        out.flush();
    }

    public static byte[] encodeArguments(String... arguments)
    {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(arguments.length);
        for (String argument : arguments) {
            byte[] bytes = argument.getBytes(StandardCharsets.UTF_8);
            out.write(bytes.length >>> 8);
            out.write(bytes.length);
            out.write(bytes, 0, bytes.length);
        }
        return out.toByteArray();
    }

    public static List<String> decodeArguments(byte[] body)
            throws IOException
    {
        if (body.length < 1) {
            throw new IOException("empty argument block");
        }
        int count = body[0] & 0xFF;
        List<String> arguments = new ArrayList<>();
        int position = 1;
        for (int i = 0; i < count; i++) {
            if (position + 2 > body.length) {
                throw new IOException("truncated argument block");
            }
            int length = ((body[position] & 0xFF) << 8) | (body[position + 1] & 0xFF);
            position += 2;
            if (position + length > body.length) {
                throw new IOException("truncated argument block");
            }
            arguments.add(new String(body, position, length, StandardCharsets.UTF_8));
            position += length;
        }
        return arguments;
    }
}
