package io.watch2s3.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state database written before watch2s3 kept the ctime opens as it is: its rows are trusted on size and mtime, as
 * they were, rather than every file of the tree being read again at the first start after an upgrade.
 */
class StateDatabaseUpgradeTest {

    @TempDir
    Path dir;

    @Test
    void rowsWithoutACtimeAreTrustedOnSizeAndMtimeUntilTheirNextUpload() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("state"), "sa", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE synced_file (path VARCHAR(4096) PRIMARY KEY, parent VARCHAR(4096) NOT NULL,"
                    + " size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, sha256 CHAR(64) NOT NULL,"
                    + " confirmed_at TIMESTAMP WITH TIME ZONE NOT NULL)");
            s.execute("INSERT INTO synced_file VALUES ('a.txt', '', 4, 1000, '" + "ab".repeat(32)
                    + "', CURRENT_TIMESTAMP)");
        }
        StateDatabase state = new StateDatabase();
        state.setDirectory(dir.toString());
        state.start();
        try {
            SyncedFile old = state.find("a.txt").orElseThrow();
            assertEquals(SyncedFile.UNKNOWN_CTIME, old.ctimeNanos());
            assertTrue(old.sameStat(4, 1000, 123_456_789L), "any ctime matches a row that has none");

            state.confirmUploaded(new SyncedFile("a.txt", 5, 2000, 3000, "cd".repeat(32)));
            SyncedFile now = state.find("a.txt").orElseThrow();
            assertEquals(3000, now.ctimeNanos());
            assertTrue(now.sameStat(5, 2000, 3000));
            assertTrue(!now.sameStat(5, 2000, 3001), "another ctime: the file may have changed");
        } finally {
            state.stop();
        }
    }
}
