package io.herd.backup.compress;

import com.aayushatharva.brotli4j.decoder.DecoderJNI;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static java.util.Objects.requireNonNull;

/**
 * Streaming brotli decoder over brotli4j's JNI wrapper. brotli4j's own BrotliInputStream stops with "unexpected end
 * of input" on some multi-megabyte streams that decode fine in one shot, so the decode loop lives here. A stream that
 * ends before brotli's last meta-block, or holds invalid data, fails with an IOException.
 */
final class BrotliDecodingInputStream
        extends InputStream
{
    private static final int INPUT_BUFFER = 1 << 16;

    private final InputStream source;
    private final DecoderJNI.Wrapper decoder;
    private final byte[] transfer = new byte[INPUT_BUFFER];
    private ByteBuffer output;
    private boolean finished;
    private boolean inputDrained = true;
    private boolean closed;

    BrotliDecodingInputStream(InputStream source)
            throws IOException
    {
        this.source = requireNonNull(source, "source is null");
        this.decoder = new DecoderJNI.Wrapper(INPUT_BUFFER);
    }

    @Override
    public int read()
            throws IOException
    {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length)
            throws IOException
    {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (length == 0) {
            return 0;
        }
        while (true) {
            if (output != null && output.hasRemaining()) {
                int count = Math.min(length, output.remaining());
                output.get(buffer, offset, count);
                return count;
            }
            if (finished) {
                return -1;
            }
            switch (decoder.getStatus()) {
                case DONE -> {
                    if (decoder.hasOutput()) {
                        output = decoder.pull();
                    }
                    else {
                        finished = true;
                    }
                }
                case OK -> decoder.push(0);
                case NEEDS_MORE_OUTPUT -> {
                    output = decoder.pull();
                    inputDrained = false;
                }
                case NEEDS_MORE_INPUT -> {
                    if (decoder.hasOutput()) {
                        output = decoder.pull();
                        inputDrained = false;
                        continue;
                    }
                    if (!inputDrained) {
                        // after a pull the decoder may still hold unread input: let it finish that before new input replaces it
                        inputDrained = true;
                        decoder.push(0);
                        continue;
                    }
                    int read = source.read(transfer, 0, transfer.length);
                    if (read < 0) {
                        throw new IOException("brotli stream ends early (truncated)");
                    }
                    ByteBuffer input = decoder.getInputBuffer();
                    input.clear();
                    input.put(transfer, 0, read);
                    decoder.push(read);
                    inputDrained = true;
                }
                default -> throw new IOException("invalid brotli data");
            }
        }
    }

    @Override
    public void close()
            throws IOException
    {
        if (!closed) {
            closed = true;
            decoder.destroy();
            source.close();
        }
    }
}
