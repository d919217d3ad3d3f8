package io.watch2s3;

import static io.watch2s3.support.Files2.paced;
import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.support.AccessLogEntry;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The core pipeline against a real S3 API server (S3Mock on 127.0.0.1), real files and the real state database. */
class SyncToS3Test extends S3TestBase {

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private TestApp start() throws Exception {
        return start(Map.of());
    }

    private void awaitObject(String key, String content) {
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
                .until(() -> s3.exists(bucket, key) && s3.getText(bucket, key).equals(content));
    }

    private long puts() {
        return s3.requests(bucket).stream().filter(AccessLogEntry::isPut).count();
    }

    private long puts(String key) {
        return s3.requests(bucket).stream().filter(r -> r.isPut() && r.key().equals(key)).count();
    }

    @Test
    void aCreatedFileAppearsWithItsBytesMetadataAndContentType() throws Exception {
        try (TestApp app = start()) {
            Path file = write(tree, "site/index.html", "<h1>hello</h1>");
            awaitObject("site/index.html", "<h1>hello</h1>");

            HeadObjectResponse head = s3.head(bucket, "site/index.html");
            assertEquals("text/html", head.contentType());
            assertEquals(sha256("<h1>hello</h1>"), head.metadata().get("sha256"));
            FileTime mtime = Files.getLastModifiedTime(file);
            BigDecimal expected = BigDecimal.valueOf(mtime.to(TimeUnit.NANOSECONDS), 9);
            assertEquals(0, expected.compareTo(new BigDecimal(head.metadata().get("mtime"))),
                    "mtime metadata " + head.metadata().get("mtime") + " vs file " + expected);
            assertArrayEquals("<h1>hello</h1>".getBytes(StandardCharsets.UTF_8), s3.get(bucket, "site/index.html"));
            // counted a few steps after S3 confirmed (the state first)
            await().atMost(DEADLINE).until(() -> app.counters().getUploaded() >= 1);
            assertEquals(1, app.counters().getUploaded());
        }
    }

    @Test
    void aThousandFilesCreatedAtOnceAllArriveWithNoMoreInFlightThanTheParallelism() throws Exception {
        try (TestApp app = start(Map.of("sync.parallelism", "4"))) {
            for (int d = 0; d < 10; d++) {
                for (int f = 0; f < 100; f++) {
                    write(tree, "dir" + d + "/file" + f + ".txt", "content " + d + "/" + f);
                }
            }
            await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> app.counters().getUploaded() >= 1000);
            List<String> keys = s3.keys(bucket);
            assertEquals(1000, keys.size());
            assertEquals("content 7/42", s3.getText(bucket, "dir7/file42.txt"));
            List<AccessLogEntry> puts = s3.requests(bucket).stream().filter(AccessLogEntry::isPut).toList();
            assertEquals(1000, puts.size(), "one PUT per file");
            int concurrent = AccessLogEntry.maxConcurrent(puts);
            assertTrue(concurrent <= 4, "at most 4 PUTs in flight, saw " + concurrent);
        }
    }

    @Test
    void aFileModifiedFiftyTimesEndsWithItsFinalContentAfterFewPuts() throws Exception {
        try (TestApp app = start()) {
            Path file = tree.resolve("busy.txt");
            paced(50, 40, i -> Files.writeString(file, "version " + i)); // 50 versions in ~2 s
            awaitObject("busy.txt", "version 50");
            assertTrue(puts("busy.txt") <= 3, "few PUTs, saw " + puts("busy.txt"));
        }
    }

    @Test
    void aBatchClosesOnceItHoldsMaxBatchPathsWithoutWaitingForQuiet() throws Exception {
        try (TestApp app = start(Map.of("sync.quiet-period", "1h", "sync.max-delay", "1h", "sync.max-batch", "3"))) {
            // the start's scan ends its batch when it ends: a path written before would close the batch early
            await().atMost(DEADLINE).until(() -> app.bean("catchUpScan", CatchUpScan.class).isSettled());
            // each placed whole (one event, its bytes all there): the batch closes at the third path's first event, and
            // a file written in place could still be empty then, its later events waiting an hour in the next batch
            // (both seen on a loaded machine: c.txt stayed empty in S3, or waited in the next batch)
            io.watch2s3.support.Files2.placeWhole(tree, "a.txt", "a");
            io.watch2s3.support.Files2.placeWhole(tree, "a.txt", "a again"); // a second event for a path in the batch
            io.watch2s3.support.Files2.placeWhole(tree, "b.txt", "b");
            io.watch2s3.support.Files2.placeWhole(tree, "c.txt", "c");
            awaitObject("a.txt", "a again");
            awaitObject("c.txt", "c");
            assertEquals(3, s3.keys(bucket).size());
        }
    }

    @Test
    void aBurstSpreadOverManyBatchesSendsEachFileExactlyOnce() throws Exception {
        // 400 files, batches of 40 paths side by side: a file's CREATE lands in one batch and its MODIFY often in the
        // next, and the later batch's turn may come first. Whichever turn comes second must find the file in S3.
        try (TestApp app = start(Map.of("sync.max-batch", "40"))) {
            for (int i = 0; i < 400; i++) {
                write(tree, "d" + i % 8 + "/f" + i + ".txt", "file " + i);
            }
            await().atMost(DEADLINE).until(() -> s3.keys(bucket).size() == 400);
            // every path done, none in an open batch: nothing more will be sent
            await().atMost(DEADLINE).until(() -> app.counters().getBacklogGauge() == 0.0 && puts() >= 400);
            assertEquals(400, puts(), "PUTs for 400 files");
            assertEquals(400, app.counters().getUploaded());
        }
    }

    @Test
    void aBatchClosesOnceItIsMaxDelayOldWhileEventsKeepComing() throws Exception {
        try (TestApp app = start(Map.of("sync.quiet-period", "2s", "sync.max-delay", "2s"))) {
            write(tree, "first.txt", "first");
            long until = System.nanoTime() + DEADLINE.toNanos();
            int i = 0;
            while (!s3.exists(bucket, "first.txt") && System.nanoTime() < until) {
                write(tree, "busy.txt", "busy " + i++); // the tree is never quiet
                Thread.sleep(200); // well inside the quiet period
            }
            assertTrue(s3.exists(bucket, "first.txt"), "first.txt still waits after " + i + " events for busy.txt");
        }
    }

    @Test
    void aChmodSendsNothing() throws Exception {
        try (TestApp app = start()) {
            Path file = write(tree, "same.txt", "unchanged");
            awaitObject("same.txt", "unchanged");
            assertEquals(1, puts("same.txt"));

            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
            // the change was seen and judged unchanged: the proof that no PUT is still to come
            await().atMost(DEADLINE).until(() -> app.counters().getUnchanged() >= 1);
            write(tree, "marker.txt", "after");
            awaitObject("marker.txt", "after");
            assertEquals(1, puts("same.txt"), "no PUT for a chmod");
        }
    }

    /**
     * A touch, or the same bytes written again, leave the content as S3 holds it but the file newer than its object:
     * aws s3 sync (which judges by time) listed such files as uploads, and the object's mtime metadata was the old
     * one. The object is brought up to the file: a small file is sent again, a larger one is copied onto itself by S3
     * with the new mtime (no bytes uploaded).
     */
    @Test
    void aTouchOrTheSameBytesWrittenAgainBringTheObjectUpToTheFilesMtime() throws Exception {
        try (TestApp app = start()) {
            Path small = write(tree, "small.txt", "unchanged");
            byte[] large = io.watch2s3.support.Files2.placeRandom(tree, "large.bin", 300 * 1024, 5);
            awaitObject("small.txt", "unchanged");
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "large.bin") && app.counters().getUploaded() == 2);

            FileTime later = FileTime.fromMillis(System.currentTimeMillis() + 5000);
            Files.setLastModifiedTime(tree.resolve("large.bin"), later);
            Files.writeString(small, "unchanged");
            await().atMost(DEADLINE).until(() -> app.counters().getCopied() == 1 && app.counters().getUploaded() == 3);
            assertEquals(2, puts("small.txt"), "the small file sent again");
            assertArrayEquals(large, s3.get(bucket, "large.bin"));
            assertArrayEquals("unchanged".getBytes(StandardCharsets.UTF_8), s3.get(bucket, "small.txt"));
            for (String key : List.of("small.txt", "large.bin")) {
                FileTime mtime = Files.getLastModifiedTime(tree.resolve(key));
                BigDecimal expected = BigDecimal.valueOf(mtime.to(TimeUnit.NANOSECONDS), 9);
                String metadata = s3.head(bucket, key).metadata().get("mtime");
                assertEquals(0, expected.compareTo(new BigDecimal(metadata)), key + ": " + metadata + " vs " + expected);
            }
            // once up to date, the same file is unchanged
            Files.setPosixFilePermissions(small, PosixFilePermissions.fromString("rw-r-----"));
            await().atMost(DEADLINE).until(() -> app.counters().getUnchanged() >= 1);
            assertEquals(2, puts("small.txt"));
            assertEquals(1, app.counters().getCopied());
        }
    }

    /**
     * s3.update-mtime=false (rclone's --no-update-modtime): a site generator that rewrites every file at each build
     * would otherwise cost one request per file; touched files send nothing, their objects keep the older mtime.
     */
    @Test
    void withMtimeUpdatesOffATouchSendsNothingAndNewBytesStillGo() throws Exception {
        try (TestApp app = start(Map.of("s3.update-mtime", "false"))) {
            Path small = write(tree, "small.txt", "unchanged");
            io.watch2s3.support.Files2.placeRandom(tree, "large.bin", 300 * 1024, 7);
            awaitObject("small.txt", "unchanged");
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "large.bin") && app.counters().getUploaded() == 2);
            String oldMtime = s3.head(bucket, "small.txt").metadata().get("mtime");

            Files.setLastModifiedTime(tree.resolve("large.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
            Files.writeString(small, "unchanged");
            await().atMost(DEADLINE).until(() -> app.counters().getUnchanged() >= 2);
            write(tree, "marker.txt", "after");
            awaitObject("marker.txt", "after");
            assertEquals(1, puts("small.txt"), "not sent again");
            assertEquals(1, puts("large.bin"));
            assertEquals(0, app.counters().getCopied(), "nor copied onto itself");
            assertEquals(oldMtime, s3.head(bucket, "small.txt").metadata().get("mtime"));

            write(tree, "small.txt", "changed");
            awaitObject("small.txt", "changed");
        }
    }

    /**
     * A touched file whose object was deleted in S3 meanwhile (by hand, a lifecycle rule): the copy onto itself finds
     * no source (404), so the file is uploaded instead, and the next change still arrives.
     */
    @Test
    void aTouchedFileWhoseObjectS3NoLongerHoldsIsUploadedAgain() throws Exception {
        try (TestApp app = start()) {
            byte[] large = io.watch2s3.support.Files2.placeRandom(tree, "large.bin", 300 * 1024, 6);
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "large.bin") && app.counters().getUploaded() == 1);
            s3.client().deleteObject(b -> b.bucket(bucket).key("large.bin"));

            Files.setLastModifiedTime(tree.resolve("large.bin"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
            await().atMost(DEADLINE).until(() -> s3.exists(bucket, "large.bin"));
            assertArrayEquals(large, s3.get(bucket, "large.bin"));
            await().atMost(DEADLINE).until(() -> app.counters().getUploaded() == 2);
            assertEquals(0, app.counters().getCopied());
            write(tree, "later.txt", "after");
            awaitObject("later.txt", "after");
        }
    }

    @Test
    void deletingAFileDeletesItsObjectWhenDeletesAreMirrored() throws Exception {
        try (TestApp app = start(Map.of("sync.deletes", "true"))) {
            Path file = write(tree, "doomed.txt", "bye");
            awaitObject("doomed.txt", "bye");
            Files.delete(file);
            await().atMost(DEADLINE).until(() -> !s3.exists(bucket, "doomed.txt"));
            // counted a few steps after S3 confirmed (the state first): wait for it, then make sure it is exactly one
            await().atMost(DEADLINE).until(() -> app.counters().getDeleted() >= 1);
            assertEquals(1, app.counters().getDeleted());
        }
    }

    @Test
    void deletingAFileKeepsItsObjectWhenDeletesAreOff() throws Exception {
        try (TestApp app = start()) {
            Path file = write(tree, "kept.txt", "stay");
            awaitObject("kept.txt", "stay");
            Files.delete(file);
            write(tree, "marker.txt", "after the delete");
            awaitObject("marker.txt", "after the delete");
            assertTrue(s3.exists(bucket, "kept.txt"));
            assertEquals(0, app.counters().getDeleted());
        }
    }

    @Test
    void changesMadeWhileStoppedAreCaughtUpAtStartWithoutListingTheBucket() throws Exception {
        Map<String, String> deletesOn = Map.of("sync.deletes", "true");
        try (TestApp app = start(deletesOn)) {
            for (int i = 1; i <= 5; i++) {
                write(tree, "old/f" + i + ".txt", "v1 of " + i);
            }
            await().atMost(DEADLINE).until(() -> app.counters().getUploaded() == 5);
        }
        write(tree, "new/a.txt", "added a");
        write(tree, "new/b.txt", "added b");
        write(tree, "new/deeper/c.txt", "added c");
        write(tree, "old/f1.txt", "v2 of 1");
        write(tree, "old/f2.txt", "v2 of 2");
        Files.delete(tree.resolve("old/f3.txt"));
        int before = s3.requests(bucket).size();

        try (TestApp app = start(deletesOn)) {
            awaitObject("new/a.txt", "added a");
            awaitObject("new/b.txt", "added b");
            awaitObject("new/deeper/c.txt", "added c");
            awaitObject("old/f1.txt", "v2 of 1");
            awaitObject("old/f2.txt", "v2 of 2");
            await().atMost(DEADLINE).until(() -> !s3.exists(bucket, "old/f3.txt"));
            assertEquals("v1 of 4", s3.getText(bucket, "old/f4.txt"));
            List<AccessLogEntry> all = s3.requests(bucket);
            List<AccessLogEntry> sinceRestart = all.subList(before, all.size());
            List<AccessLogEntry> byApp = sinceRestart.stream()
                    .filter(r -> r.isPut() || r.isDelete() || r.isList()).toList();
            assertEquals(5, byApp.stream().filter(AccessLogEntry::isPut).count(), "3 new + 2 changed: " + byApp);
            assertEquals(1, byApp.stream().filter(AccessLogEntry::isDelete).count());
            assertFalse(sinceRestart.stream().anyMatch(AccessLogEntry::isList), "no ListObjects: " + sinceRestart);
            assertFalse(sinceRestart.stream().anyMatch(AccessLogEntry::isHeadBucket),
                    "the bucket was checked on the first start, not again: " + sinceRestart);
        }
    }

    @Test
    void pointingTheSameStateAtAnotherBucketUploadsEveryFileThere() throws Exception {
        try (TestApp app = start()) {
            write(tree, "a.txt", "a");
            write(tree, "sub/b.txt", "b");
            await().atMost(DEADLINE).until(() -> app.counters().getUploaded() == 2);
        }
        assertEquals(1, s3.requests(bucket).stream().filter(AccessLogEntry::isHeadBucket).count());
        String first = bucket;
        bucket = first + "-moved";
        s3.createBucket(bucket);
        try (TestApp app = start()) {
            awaitObject("a.txt", "a");
            awaitObject("sub/b.txt", "b");
        }
        assertEquals(1, s3.requests(bucket).stream().filter(AccessLogEntry::isHeadBucket).count(),
                "a new target is checked");
        assertEquals("a", s3.getText(first, "a.txt"));
    }

    @Test
    void oddNamesRoundTripAndAnExpressionInANameIsStoredLiterally() throws Exception {
        List<String> names = List.of("with space.txt", "日本語/ファイル.txt", "plus+percent%hash#question?.txt",
                "${env:HOME}.txt", "dir with space/${date:now:yyyy}.txt");
        try (TestApp app = start()) {
            for (String name : names) {
                write(tree, name, "content of " + name);
            }
            for (String name : names) {
                awaitObject(name, "content of " + name);
            }
            assertEquals(names.size(), s3.keys(bucket).size(), "no extra keys: " + s3.keys(bucket));
        }
    }

    /** The key rclone, aws-cli and s3cmd expect for it, so that their checks of the bucket agree with ours. */
    @Test
    void aNameInDecomposedUnicodeIsStoredUnderItsOwnKey() throws Exception {
        String decomposed = "cafe\u0301.txt"; // e + combining acute, as macOS writes it
        try (TestApp app = start()) {
            write(tree, decomposed, "coffee");
            awaitObject(decomposed, "coffee");
            assertEquals(List.of(decomposed), s3.keys(bucket));
        }
    }

    @Test
    void includeAndExcludeGlobsChooseWhatIsUploaded() throws Exception {
        try (TestApp app = start(Map.of("sync.include", "*.html,*.css", "sync.exclude", "drafts/**"))) {
            write(tree, "a.html", "page");
            write(tree, "deep/b.css", "style");
            write(tree, "c.tmp", "scratch");
            write(tree, "drafts/d.html", "draft");
            awaitObject("a.html", "page");
            awaitObject("deep/b.css", "style");
            assertEquals(List.of("a.html", "deep/b.css"), s3.keys(bucket).stream().sorted().toList());
        }
    }

    /** The README's exclude for a web root that is a git checkout edited with vim, before the start and while watched. */
    @Test
    void anExcludedDirectoryLeavesOutItsWholeTreeAndBracesGroupNames() throws Exception {
        write(tree, ".git/config", "[core]");
        write(tree, "index.html", "home");
        write(tree, ".gitignore", "*.log");
        try (LogCapture log = new LogCapture(); TestApp app = start(Map.of("sync.exclude", ".git, .*.{swp,swo}, *~"))) {
            awaitObject("index.html", "home");
            assertTrue(log.lines(Level.INFO, "CatchUpScan").stream().anyMatch(
                    l -> l.startsWith("catch-up scan: 2 files in 1 directories")), "the walk did not go into .git: "
                    + log.lines(Level.INFO, "CatchUpScan"));
            write(tree, ".git/objects/ab/cdef", "blob");
            write(tree, ".about.html.swp", "unsaved draft");
            write(tree, "about.html~", "backup");
            write(tree, "sub/.git/HEAD", "ref: refs/heads/main");
            write(tree, "about.html", "about");
            awaitObject("about.html", "about");
            assertEquals(List.of(".gitignore", "about.html", "index.html"), s3.keys(bucket).stream().sorted().toList());
        }
    }

    /**
     * Two names of one file (a hard link): the watcher reports only the name that was written, so the other name's
     * object would keep the old bytes; a change to a file with other links (new bytes, or a touch) has the tree looked
     * at for them.
     */
    @Test
    void aFileWrittenThroughOneHardLinkUpdatesTheObjectOfItsOtherName() throws Exception {
        try (TestApp app = start(Map.of("sync.quiet-period", "500ms"))) {
            Path first = write(tree, "a.txt", "one");
            Files.createLink(Files.createDirectories(tree.resolve("sub")).resolve("b.txt"), first);
            awaitObject("a.txt", "one");
            awaitObject("sub/b.txt", "one");
            Files.writeString(first, "two, written through a.txt");
            awaitObject("a.txt", "two, written through a.txt");
            awaitObject("sub/b.txt", "two, written through a.txt");

            // touched through one name (once the scan the write asked for is over): the other name's object is
            // brought up to the file's mtime too
            CatchUpScan scan = app.bean("catchUpScan", CatchUpScan.class);
            await().atMost(DEADLINE).until(scan::isSettled);
            FileTime later = FileTime.fromMillis(System.currentTimeMillis() + 5000);
            Files.setLastModifiedTime(first, later);
            BigDecimal expected = BigDecimal.valueOf(later.to(TimeUnit.NANOSECONDS), 9);
            await().atMost(DEADLINE).until(() -> expected.compareTo(
                    new BigDecimal(s3.head(bucket, "sub/b.txt").metadata().get("mtime"))) == 0);
        }
    }

    @Test
    void symlinksAreNotFollowed() throws Exception {
        Path outside = write(dir, "outside/secret.txt", "not for the bucket");
        try (TestApp app = start()) {
            Files.createSymbolicLink(tree.resolve("link.txt"), outside);
            Files.createSymbolicLink(tree.resolve("linkdir"), outside.getParent());
            write(tree, "real.txt", "real");
            awaitObject("real.txt", "real");
            assertEquals(List.of("real.txt"), s3.keys(bucket));
        }
    }

    @Test
    void symlinksTheScanPassesByAreNamedInItsLineAsNotFollowed() throws Exception {
        Path outside = write(dir, "outside/secret.txt", "not for the bucket");
        Files.createSymbolicLink(tree.resolve("link.txt"), outside);
        Files.createSymbolicLink(write(tree, "public/index.html", "home").resolveSibling("uploads"), outside.getParent());
        try (LogCapture log = new LogCapture(); TestApp app = start()) {
            awaitObject("public/index.html", "home");
            String line = await().atMost(Duration.ofSeconds(30)).until(
                    () -> log.lines(Level.INFO, "CatchUpScan").stream().filter(l -> l.startsWith("catch-up scan: "))
                            .findFirst().orElse(null), java.util.Objects::nonNull);
            assertTrue(line.contains("; 2 symlinks not followed (sync.follow-symlinks=false): "), line);
            assertTrue(line.contains("link.txt -> " + outside), line);
            assertTrue(line.contains("public/uploads -> " + outside.getParent()), line);
            assertEquals(List.of("public/index.html"), s3.keys(bucket));
        }
    }

    /**
     * A named pipe (or a socket, a device) has no content to send: the scan's line names it, one made while watching
     * gets a line of its own (both were passed by without a word), and the files around it sync.
     */
    @Test
    void aNamedPipeIsPassedByWithALineAndTheFilesAroundItSync() throws Exception {
        mkfifo(tree.resolve("queue.fifo"));
        write(tree, "a.txt", "a");
        Files.createDirectories(tree.resolve("run"));
        try (LogCapture log = new LogCapture(); TestApp app = start()) {
            awaitObject("a.txt", "a");
            String line = await().atMost(Duration.ofSeconds(30)).until(
                    () -> log.lines(Level.INFO, "CatchUpScan").stream().filter(l -> l.startsWith("catch-up scan: "))
                            .findFirst().orElse(null), java.util.Objects::nonNull);
            assertTrue(line.endsWith("; 1 special file not uploaded (a named pipe, socket or device has no content to"
                    + " send): queue.fifo"), line);
            mkfifo(tree.resolve("run/live.fifo"));
            await().atMost(Duration.ofSeconds(30)).until(() -> log.lines(Level.INFO, "BatchPlanner").contains(
                    "not uploaded: run/live.fifo is a named pipe, socket or device, not a regular file"));
            // said once, not at each of its events (a touch here: the touch command does not open it, which would
            // wait for a writer; a chmod, a rename back)
            Process touch = new ProcessBuilder("touch", "-d", "2001-01-01", "live.fifo")
                    .directory(tree.resolve("run").toFile()).start();
            assertEquals(0, touch.waitFor());
            write(tree, "run/b.txt", "b");
            awaitObject("run/b.txt", "b");
            assertEquals(List.of("a.txt", "run/b.txt"), s3.keys(bucket));
            assertEquals(1, log.lines(Level.INFO, "BatchPlanner").stream()
                    .filter(l -> l.startsWith("not uploaded: run/live.fifo ")).count());
        }
    }

    private static void mkfifo(Path path) throws Exception {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "mkfifo " + path);
    }

    @Test
    void aNameTooLongForS3IsSkippedAndCountedAndTheOthersGoOn() throws Exception {
        String segment = "x".repeat(250);
        String tooLong = String.join("/", segment, segment, segment, segment, segment + ".txt");
        try (TestApp app = start()) {
            write(tree, tooLong, "too long");
            write(tree, "fine.txt", "fine");
            awaitObject("fine.txt", "fine");
            await().atMost(DEADLINE).until(() -> app.counters().getRefused() >= 1);
            // changed again, in the batch of a later file: refused again, but counted (and logged) once per name, also
            // when the start's catch-up scan and the watcher both saw it
            write(tree, tooLong, "still too long");
            write(tree, "later.txt", "later");
            awaitObject("later.txt", "later");
            assertEquals(1, app.counters().getRefused(), app.counters().toString());
            assertEquals(List.of("fine.txt", "later.txt"), s3.keys(bucket));
        }
    }

    @Test
    void aPrefixIsPutInFrontOfEveryKey() throws Exception {
        try (TestApp app = start(Map.of("s3.prefix", "site/"))) {
            write(tree, "css/main.css", "body{}");
            awaitObject("site/css/main.css", "body{}");
            assertEquals("text/css", s3.head(bucket, "site/css/main.css").contentType());
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
