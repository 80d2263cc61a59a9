package io.herd.backup.wal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers for object checksums. */
public final class Digests
{
    private Digests() {}

    public static MessageDigest sha256()
    {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Hex(byte[] data)
    {
        return HexFormat.of().formatHex(sha256().digest(data));
    }

    public static String hex(MessageDigest digest)
    {
        return HexFormat.of().formatHex(digest.digest());
    }
}
