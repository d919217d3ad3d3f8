package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.state.SyncedFile;
import org.junit.jupiter.api.Test;

/** Which sizes are copied by S3 (s3.server-side-copy) and which rows may be copied from. */
class CopySourcesTest {

    private static final long GB5 = 5L << 30;

    private static CopySources copies(String setting) {
        CopySources copies = new CopySources();
        copies.setServerSideCopy(setting);
        return copies;
    }

    @Test
    void fromTheSizeSetUpToS3sLargestObject() {
        CopySources copies = copies("256KB");
        assertFalse(copies.mayCopy((256 << 10) - 1));
        assertTrue(copies.mayCopy(256 << 10));
        assertTrue(copies.mayCopy(GB5));
        assertTrue(copies.mayCopy(GB5 + 1), "larger than one CopyObject takes: copied in parts");
        assertTrue(copies.mayCopy(1000 * GB5));
        assertFalse(copies("off").mayCopy(GB5));
        assertFalse(copies("off").mayCopy(1000 * GB5));
    }

    @Test
    void aPendingRowMayBeASourceALargeOneIsAndNothingOnceTheServerRefusedCopies() {
        CopySources copies = copies("256KB");
        SyncedFile pending = new SyncedFile("a.bin", SyncedFile.PENDING_SIZE, 0, SyncedFile.UNKNOWN_CTIME, "0");
        SyncedFile small = new SyncedFile("b.txt", 100, 1, 1, "0");
        assertTrue(copies.maySourceCopies(pending));
        assertFalse(copies.maySourceCopies(small));
        assertFalse(copies("off").maySourceCopies(pending));
        copies.refusedByServer("HTTP 403 AccessDenied");
        assertFalse(copies.maySourceCopies(pending));
        assertFalse(copies.mayCopy(1 << 20));
    }
}
