package io.watch2s3.sync;

import io.watch2s3.tree.TreeFileStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.CRC32;

/** A part's checksums as S3 names them (base64), read from the file: its Content-MD5, its CRC32. */
final class PartChecksums {

    private PartChecksums() {
    }

    static String md5(FileInParts file, long offset, long length) throws IOException {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        readPart(file, offset, length, md5::update);
        return Base64.getEncoder().encodeToString(md5.digest());
    }

    /** As S3 gives it: the four bytes of the CRC32, big-endian, in base64. */
    static String crc32(FileInParts file, long offset, long length) {
        CRC32 crc = new CRC32();
        try {
            readPart(file, offset, length, crc::update);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static void readPart(FileInParts file, long offset, long length, PartBytes into) throws IOException {
        byte[] buffer = new byte[256 * 1024];
        try (InputStream in = TreeFileStream.part(file.root(), file.path(), file.fingerprint().size(), offset,
                length)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                into.update(buffer, 0, n);
            }
        }
    }

    /** MessageDigest#update and Checksum#update alike. */
    private interface PartBytes {
        void update(byte[] bytes, int offset, int length);
    }
}
