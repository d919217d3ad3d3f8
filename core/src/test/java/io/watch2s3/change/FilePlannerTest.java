package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one decision per file, against real files and a real state database. */
class FilePlannerTest {

    @TempDir
    Path tree;
    @TempDir
    Path stateDir;

    private final StateDatabase state = new StateDatabase();
    private final SyncCounters counters = new SyncCounters();
    private final FilePlanner planner = new FilePlanner();
    private final RefusedContents refused = new RefusedContents();

    @BeforeEach
    void start() {
        state.setDirectory(stateDir.toString());
        state.start();
        Fingerprinter fingerprinter = new Fingerprinter();
        fingerprinter.setRoot(tree.toString());
        fingerprinter.setState(state);
        fingerprinter.setCounters(counters);
        planner.setRoot(tree.toString());
        planner.setFingerprinter(fingerprinter);
        planner.setRefused(refused);
    }

    @AfterEach
    void stop() {
        state.stop();
    }

    private FilePlan plan(SyncAction action) {
        return planner.plan(action);
    }

    private void confirm(FilePlan.Upload upload) {
        Fingerprint fp = upload.fingerprint();
        state.confirmUploaded(new SyncedFile(upload.path(), fp.size(), fp.mtimeNanos(), fp.sha256()));
    }

    @Test
    void aNewFileIsAnUploadOfItsExactContent() throws Exception {
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("a/b.txt"), "hello");
        FilePlan.Upload upload = assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("a/b.txt", 42)));
        assertEquals("a/b.txt", upload.path());
        assertEquals(42, upload.firstSeenMillis());
        assertEquals(5, upload.fingerprint().size());
        assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", upload.fingerprint().sha256());
    }

    @Test
    void contentS3AlreadyHoldsIsUnchangedEvenWhenTouchedButNewBytesAreAnUpload() throws Exception {
        Path file = Files.writeString(tree.resolve("f.txt"), "v1");
        confirm((FilePlan.Upload) plan(SyncAction.upload("f.txt", 0)));
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("f.txt", 0)));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("f.txt", 0)), "touched, same bytes");
        Files.writeString(file, "v2");
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("f.txt", 0)));
    }

    @Test
    void aFileThatVanishedBeforeItsTurnIsSkippedAndCounted() {
        FilePlan.Skip skip = assertInstanceOf(FilePlan.Skip.class, plan(SyncAction.upload("gone.txt", 0)));
        assertEquals("gone.txt", skip.path());
        assertEquals(1, counters.getVanished());
    }

    @Test
    void aDirectoryWhereAFileWasExpectedIsSkipped() throws Exception {
        Files.createDirectories(tree.resolve("d"));
        assertInstanceOf(FilePlan.Skip.class, plan(SyncAction.upload("d", 0)));
    }

    @Test
    void aDeleteStaysADeleteOnlyWhileNoFileIsThere() throws Exception {
        FilePlan.Delete delete = assertInstanceOf(FilePlan.Delete.class, plan(SyncAction.delete("x.txt", 7)));
        assertEquals(7, delete.firstSeenMillis());
        Files.writeString(tree.resolve("x.txt"), "back");
        assertInstanceOf(FilePlan.Skip.class, plan(SyncAction.delete("x.txt", 7)), "it came back meanwhile");
        Files.delete(tree.resolve("x.txt"));
        Files.createDirectories(tree.resolve("x.txt"));
        assertInstanceOf(FilePlan.Delete.class, plan(SyncAction.delete("x.txt", 7)), "a directory took its place");
    }

    @Test
    void contentS3RefusedIsNotSentAgainUntilItChanges() throws Exception {
        Path file = Files.writeString(tree.resolve("r.txt"), "refused");
        FilePlan.Upload first = assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("r.txt", 0)));
        refused.remember("r.txt", first.fingerprint());
        assertInstanceOf(FilePlan.Skip.class, plan(SyncAction.upload("r.txt", 0)));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
        assertInstanceOf(FilePlan.Skip.class, plan(SyncAction.upload("r.txt", 0)), "touched, same bytes");
        Files.writeString(tree.resolve("other.txt"), "refused");
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("other.txt", 0)), "only that path");
        Files.writeString(file, "new bytes");
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("r.txt", 0)));
        assertEquals(0, refused.size(), "a changed file is forgotten");
        Files.writeString(file, "refused");
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("r.txt", 0)), "and its old bytes are sent again");
    }
}
