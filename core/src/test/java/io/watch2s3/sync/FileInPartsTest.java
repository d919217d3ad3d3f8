package io.watch2s3.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.watch2s3.change.Fingerprint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class FileInPartsTest {

    private static final long MB = 1L << 20;

    private static FileInParts file(long size, long partSize) {
        return new FileInParts(Path.of("/tree"), "f", new Fingerprint(size, 0, 0, "00", null, false), partSize);
    }

    @Test
    void partsOfTheSizeSetAndAShorterLastOne() {
        FileInParts file = file(130 * MB + 5, 64 * MB);
        assertEquals(3, file.parts());
        assertEquals(0, file.offsetOf(1));
        assertEquals(64 * MB, file.offsetOf(2));
        assertEquals(64 * MB, file.lengthOf(2));
        assertEquals(2 * MB + 5, file.lengthOf(3));
    }

    @Test
    void aFileThatWouldNeedMoreThan10000PartsGetsLargerOnes() {
        FileInParts file = file(5L << 40, 64 * MB); // S3's largest object, 5 TB
        assertEquals(525 * MB, file.sizeOfParts()); // 5 TB / 10,000, rounded up to a whole MB
        assertEquals(9987, file.parts());
        long sent = 0;
        for (int n = 1; n <= file.parts(); n++) {
            sent += file.lengthOf(n);
        }
        assertEquals(5L << 40, sent);
    }
}
