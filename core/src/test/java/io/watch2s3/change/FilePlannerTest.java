package io.watch2s3.change;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.state.StateDatabase;
import io.watch2s3.state.SyncedFile;
import io.watch2s3.stats.SyncCounters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
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
    private final Fingerprinter fingerprinter = new Fingerprinter();

    @BeforeEach
    void start() {
        state.setDirectory(stateDir.toString());
        state.start();
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
        state.confirmUploaded(fp.row(upload.path()));
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
    void contentS3AlreadyHoldsIsUnchangedUntilTouchedAndNewBytesAreAnUpload() throws Exception {
        Path file = Files.writeString(tree.resolve("f.txt"), "v1");
        confirm((FilePlan.Upload) plan(SyncAction.upload("f.txt", 0)));
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("f.txt", 0)));
        // touched: the same bytes, newer than their object, which is brought up to the file: a small one sent again
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
        FilePlan.Upload touched = assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("f.txt", 0)),
                "touched, same bytes");
        assertEquals(sha256("v1"), touched.fingerprint().sha256());
        confirm(touched);
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("f.txt", 0)), "as new as its object");
        // its mtime set back (the same bytes restored by cp -p): the object is newer already
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600)));
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("f.txt", 0)), "mtime set back");
        Files.writeString(file, "v2");
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("f.txt", 0)));
    }

    /** A touched file large enough to be copied is copied by S3 onto itself: no bytes go up again. */
    @Test
    void aTouchedLargeFileIsACopyOntoItself() throws Exception {
        CopySources copySources = new CopySources();
        copySources.setState(state);
        planner.setCopySources(copySources);
        Path file = Files.write(tree.resolve("big.bin"), new byte[300 << 10]);
        confirm((FilePlan.Upload) plan(SyncAction.upload("big.bin", 0)));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(60)));
        FilePlan.Copy copy = assertInstanceOf(FilePlan.Copy.class, plan(SyncAction.upload("big.bin", 0)));
        assertEquals("big.bin", copy.sourcePath());
        assertEquals(Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS), copy.upload().fingerprint().mtimeNanos());
    }

    /** s3.update-mtime=false: a touched file is as good as its object, and its row takes the new mtime. */
    @Test
    void withoutMtimeUpdatesATouchedFileIsUnchangedAndNewBytesStillAnUpload() throws Exception {
        CopySources copySources = new CopySources();
        copySources.setState(state);
        planner.setCopySources(copySources);
        fingerprinter.setUpdateMtime(false);
        Path small = Files.writeString(tree.resolve("f.txt"), "v1");
        Path big = Files.write(tree.resolve("big.bin"), new byte[300 << 10]);
        confirm((FilePlan.Upload) plan(SyncAction.upload("f.txt", 0)));
        confirm((FilePlan.Upload) plan(SyncAction.upload("big.bin", 0)));
        for (Path file : new Path[] {small, big}) {
            String path = tree.relativize(file).toString();
            FileTime later = FileTime.from(Instant.now().plusSeconds(60));
            Files.setLastModifiedTime(file, later);
            assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload(path, 0)), path + " touched");
            assertEquals(later.to(TimeUnit.NANOSECONDS), state.find(path).orElseThrow().mtimeNanos(), path);
            assertNull(fingerprinter.read(path).fingerprint().md5Base64(), path + ": trusted again, not read");
        }
        Files.writeString(small, "v2");
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("f.txt", 0)));
    }

    /**
     * A row distrusted after a request S3 may have carried out unheard: a large file is asked of S3 (its object's
     * sha256 and size) before it is sent again; a small one, a row for which nothing was sent, and a confirmed row are
     * not. What S3 says is taken only when it is the file's bytes.
     */
    @Test
    void aLargeFileWhoseUploadWentUnheardIsAskedOfS3AndNotSentAgainWhenS3HoldsItsBytes() throws Exception {
        java.util.List<String> asked = new java.util.ArrayList<>();
        java.util.Map<String, SyncedFile> inS3 = new java.util.HashMap<>();
        fingerprinter.setWhatS3Holds(path -> {
            asked.add(path);
            return java.util.Optional.ofNullable(inS3.get(path));
        });
        byte[] bytes = new byte[(int) Fingerprinter.ASKED_OF_S3_FROM];
        bytes[7] = 1;
        Path big = Files.write(tree.resolve("big.bin"), bytes);
        Files.write(tree.resolve("other.bin"), bytes);
        Files.write(tree.resolve("small.bin"), new byte[1000]);
        for (String path : new String[] {"big.bin", "other.bin", "small.bin"}) {
            FilePlan.Upload upload = (FilePlan.Upload) plan(SyncAction.upload(path, 0));
            confirm(upload);
            state.distrust(path);
            inS3.put(path, upload.fingerprint().row(path)); // what the unheard upload left in S3
        }
        inS3.put("other.bin", new SyncedFile("other.bin", bytes.length, 1, SyncedFile.UNKNOWN_CTIME, "ab".repeat(32)));
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("big.bin", 0)), "S3 holds its bytes");
        SyncedFile row = state.find("big.bin").orElseThrow();
        assertTrue(!row.isPending() && row.sameStat(bytes.length, Files.getLastModifiedTime(big).to(TimeUnit.NANOSECONDS),
                SyncedFile.UNKNOWN_CTIME), "confirmed with the file's stat: " + row);
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("other.bin", 0)), "S3 holds other bytes");
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("small.bin", 0)), "not worth a HEAD");
        assertEquals(java.util.List.of("big.bin", "other.bin"), asked);
        // confirmed now: not asked again; a new path's pending row (nothing sent) is not asked either
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("big.bin", 0)));
        Files.write(tree.resolve("new.bin"), bytes);
        state.recordPending(java.util.List.of("new.bin"));
        assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("new.bin", 0)));
        assertEquals(java.util.List.of("big.bin", "other.bin"), asked);
        // touched while down: the bytes are in S3, its object is older than the file
        Files.setLastModifiedTime(big, FileTime.from(Instant.now().plusSeconds(60)));
        state.distrust("big.bin");
        FilePlan.Upload touched = assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("big.bin", 0)));
        assertEquals(Files.getLastModifiedTime(big).to(TimeUnit.NANOSECONDS), touched.fingerprint().mtimeNanos());
    }

    @Test
    void newBytesBehindTheOldSizeAndMtimeAreAnUploadButAChmodIsNot() throws Exception {
        Path file = Files.writeString(tree.resolve("f.txt"), "AAAA");
        FileTime mtime = Files.getLastModifiedTime(file);
        confirm((FilePlan.Upload) plan(SyncAction.upload("f.txt", 0)));

        // cp -p, rsync -a, tar, unzip: another version of the same size, its timestamp set to the very same mtime
        Files.writeString(file, "BBBB");
        Files.setLastModifiedTime(file, mtime);
        assertEquals(mtime, Files.getLastModifiedTime(file));
        FilePlan.Upload upload = assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("f.txt", 0)));
        assertEquals(sha256("BBBB"), upload.fingerprint().sha256());
        confirm(upload);
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("f.txt", 0)));

        // a chmod moves only the ctime: the file is read again, its bytes are what S3 holds, and the row learns it
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Fingerprint afterChmod = fingerprinter.read("f.txt").fingerprint();
        assertNotNull(afterChmod.md5Base64(), "read: its ctime moved");
        assertTrue(afterChmod.inS3(), "and its bytes are what S3 holds");
        long ctime = ((FileTime) Files.getAttribute(file, "unix:ctime")).to(TimeUnit.NANOSECONDS);
        assertEquals(ctime, state.find("f.txt").orElseThrow().ctimeNanos());
        assertInstanceOf(FilePlan.Unchanged.class, plan(SyncAction.upload("f.txt", 0)));
        assertNull(fingerprinter.read("f.txt").fingerprint().md5Base64(), "trusted again, not read");
    }

    private static String sha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void aFileUpToTheInMemoryLimitIsReadOnceAndItsPlanCarriesTheBytesThatWereHashedALargerOneIsStreamed()
            throws Exception {
        java.util.Random random = new java.util.Random(7);
        for (int size : new int[] {0, 1, 5000, Fingerprinter.IN_MEMORY_MAX, Fingerprinter.IN_MEMORY_MAX + 1, 1_000_000}) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            Files.write(tree.resolve("f" + size), bytes);
            FilePlan.Upload upload = assertInstanceOf(FilePlan.Upload.class, plan(SyncAction.upload("f" + size, 0)));
            String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
            assertEquals(sha, upload.fingerprint().sha256(), "size " + size);
            assertEquals(size, upload.fingerprint().size());
            assertEquals(java.util.Base64.getEncoder().encodeToString(
                    java.security.MessageDigest.getInstance("MD5").digest(bytes)), upload.fingerprint().md5Base64());
            if (size <= Fingerprinter.IN_MEMORY_MAX) {
                assertTrue(java.util.Arrays.equals(bytes, upload.content()), "size " + size + ": sent from memory");
            } else {
                assertNull(upload.content(), "size " + size + ": streamed from disk");
            }
        }
    }

    @Test
    void aFileThatGrewOrShrankBetweenItsStatAndItsReadIsHashedAsReadAndSentFromMemoryOnlyIfWhole() throws Exception {
        byte[] bytes = new byte[5000];
        new java.util.Random(8).nextBytes(bytes);
        Files.write(tree.resolve("grew.bin"), bytes);
        // the stat said 10 bytes: the file no longer fits what was set aside for it, so the rest streams through the hash
        Fingerprinter.Read grew = fingerprinter.digest("grew.bin", new io.watch2s3.tree.FileStat(true, false, 10, 0, 0, 1, -1));
        assertEquals(5000, grew.fingerprint().size());
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)),
                grew.fingerprint().sha256());
        assertNull(grew.content(), "not whole in memory: streamed from disk, which checks its size again");
        Files.write(tree.resolve("shrank.bin"), java.util.Arrays.copyOf(bytes, 5));
        Fingerprinter.Read shrank = fingerprinter.digest("shrank.bin", new io.watch2s3.tree.FileStat(true, false, 10, 0, 0, 1, -1));
        assertEquals(5, shrank.fingerprint().size());
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOf(bytes, 5), shrank.content()), "what was read, whole");
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
