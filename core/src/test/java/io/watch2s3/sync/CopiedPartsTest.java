package io.watch2s3.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.watch2s3.change.Fingerprint;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.CopyPartResult;

/** What a copied part holds, judged against the bytes of the file's range on disk. */
class CopiedPartsTest {

    private static final int MB = 1 << 20;

    @TempDir
    Path root;

    private final byte[] content = new byte[12 * MB];

    private FileInParts file() throws Exception {
        new Random(3).nextBytes(content);
        Files.write(root.resolve("f.bin"), content);
        return new FileInParts(root, "f.bin", new Fingerprint(content.length, 0, 0, "00", null, false), 5L * MB);
    }

    private static CopiedParts checking(boolean etagIsMd5) {
        return new CopiedParts(null, "bucket", null, "source", etagIsMd5);
    }

    private String md5Hex(int from, int to) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Arrays.copyOfRange(content, from, to)));
    }

    private String crc32(int from, int to) {
        CRC32 crc = new CRC32();
        crc.update(content, from, to - from);
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void anEtagThatIsTheRangesMd5SaysTheFileAnyOtherSaysSomethingElse() throws Exception {
        FileInParts file = file();
        CopiedParts parts = checking(true);
        String right = "\"" + md5Hex(5 * MB, 10 * MB) + "\"";
        assertEquals(ServerSideCopies.Holds.THE_FILE, parts.whatPartHolds(CopyPartResult.builder().eTag(right).build(),
                file, 5L * MB, 5L * MB));
        String ofPart1 = "\"" + md5Hex(0, 5 * MB) + "\"";
        assertEquals(ServerSideCopies.Holds.SOMETHING_ELSE, parts.whatPartHolds(CopyPartResult.builder().eTag(ofPart1)
                .build(), file, 5L * MB, 5L * MB));
    }

    @Test
    void withoutAnMd5EtagTheCrc32Judges() throws Exception {
        FileInParts file = file();
        // SSE-KMS: the ETag is no MD5, whatever it looks like
        CopiedParts kms = checking(false);
        CopyPartResult right = CopyPartResult.builder().eTag("\"" + md5Hex(0, 1) + "\"")
                .checksumCRC32(crc32(10 * MB, 12 * MB)).build();
        assertEquals(ServerSideCopies.Holds.THE_FILE, kms.whatPartHolds(right, file, 10L * MB, 2L * MB));
        CopyPartResult wrong = CopyPartResult.builder().checksumCRC32(crc32(0, 2 * MB)).build();
        assertEquals(ServerSideCopies.Holds.SOMETHING_ELSE, kms.whatPartHolds(wrong, file, 10L * MB, 2L * MB));
        // an ETag of KMS, or of parts, and no checksum: nothing to judge by
        assertEquals(ServerSideCopies.Holds.UNKNOWN, kms.whatPartHolds(CopyPartResult.builder()
                .eTag("\"" + md5Hex(0, 1) + "\"").build(), file, 0, 5L * MB));
        assertEquals(ServerSideCopies.Holds.UNKNOWN, checking(true).whatPartHolds(CopyPartResult.builder()
                .eTag("\"abc-2\"").build(), file, 0, 5L * MB));
    }
}
