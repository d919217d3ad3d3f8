package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state database remembers each multipart upload under way with what the next start needs to go on with it: the
 * file as it was (path, size, mtime, ctime, SHA-256), the part size, the checksum per part and the headers' digest. A
 * row an earlier version wrote has none of that: its file is null, and its upload is aborted, as before.
 */
class UnfinishedUploadsInStateTest {

    @TempDir
    Path dir;

    private StateDatabase open() {
        StateDatabase state = new StateDatabase();
        state.setDirectory(dir.toString());
        state.start();
        return state;
    }

    @Test
    void anUploadIsRememberedWithItsFileAcrossARestartUntilForgotten() {
        StateDatabase.UnfinishedUpload upload = new StateDatabase.UnfinishedUpload("site/video.mp4", "id-1",
                new SyncedFile("video.mp4", 12L << 30, 1_700_000_000_123_456_789L, 1_700_000_001_000_000_000L,
                        "ab".repeat(32)), 64L << 20, false, "cd".repeat(32));
        StateDatabase state = open();
        state.rememberUnfinishedUpload(upload);
        state.stop();
        state = open();
        try {
            assertEquals(List.of(upload), state.unfinishedUploads());
            state.forgetUnfinishedUpload("id-1");
            assertEquals(List.of(), state.unfinishedUploads());
        } finally {
            state.stop();
        }
    }

    @Test
    void anUploadAnEarlierVersionRememberedHasNoFile() throws Exception {
        open().stop();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("state"), "sa", "");
                Statement s = c.createStatement()) {
            s.execute("INSERT INTO unfinished_upload (upload_id, object_key, started_at)"
                    + " VALUES ('id-0', 'old.bin', CURRENT_TIMESTAMP)"); // the columns an earlier version wrote
        }
        StateDatabase state = open();
        try {
            StateDatabase.UnfinishedUpload left = state.unfinishedUploads().get(0);
            assertEquals("old.bin", left.key());
            assertEquals("id-0", left.uploadId());
            assertNull(left.file());
        } finally {
            state.stop();
        }
    }
}
