package io.watch2s3;

import static io.watch2s3.support.Files2.placeWhole;
import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A big batch's progress and summary lines count its own files, whatever runs beside it. */
class ProgressLinesTest extends ProxiedS3TestBase {

    /**
     * Two batches side by side: one uploads (held), the other finds 300 files unchanged (put back with the same
     * bytes and mtime). The first one's lines counted the pair's files since it began: "200/200 files, … 300 unchanged".
     */
    @Test
    void batchesSideBySideCountOnlyTheirOwnFiles() throws Exception {
        IntStream.range(0, 300).forEach(i -> write(tree, "old/f" + i + ".txt", "old " + i));
        Files.createDirectories(tree.resolve("new"));
        var held = proxy.when(r -> r.isPut() && r.key().startsWith("new/")).hold();
        try (LogCapture log = new LogCapture();
                TestApp app = startThroughProxy(Map.of("sync.progress-interval", "1s"))) {
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 300
                    && app.bean("catchUpScan", CatchUpScan.class).isSettled());
            java.util.Map<Integer, java.nio.file.attribute.FileTime> mtimes = new java.util.HashMap<>();
            for (int i = 0; i < 300; i++) {
                mtimes.put(i, Files.getLastModifiedTime(tree.resolve("old/f" + i + ".txt")));
            }
            java.util.function.IntFunction<java.nio.file.attribute.FileTime> mtimeOf = mtimes::get;
            IntStream.range(0, 200).forEach(i -> placeWhole(tree, "new/f" + i + ".txt", "new " + i));
            held.awaitArrival(LONG);
            IntStream.range(0, 300).forEach(i -> placeWhole(tree, "old/f" + i + ".txt", "old " + i, mtimeOf.apply(i)));
            await().atMost(LONG).until(() -> app.counters().getUnchanged() == 300);
            held.release();
            String uploaded = awaitLine(log, Level.INFO, "batch \\d+ done: 200/200 files .*");
            assertTrue(uploaded.contains(", 0 unchanged, 0 failed,"), uploaded);
            assertEquals(500, s3.keys(bucket).size());
        }
    }

    /** A batch whose every file S3 refused is not "done": a WARN says how many failed. */
    @Test
    void aBatchWhoseFilesFailedSaysSoInsteadOfDone() throws Exception {
        IntStream.range(0, 250).forEach(i -> write(tree, "refused/f" + i + ".txt", "refused " + i));
        proxy.when(r -> r.isPut() && r.key().startsWith("refused/")).respond(400, "InvalidArgument");
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of())) {
            // the start's scan finds all 250 and closes them in one batch
            String line = awaitLine(log, Level.WARN, "batch \\d+ ended with 250 of its files failed: .*");
            assertTrue(line.contains(": 250/250 files (100%), "), line);
            assertTrue(line.contains(", 0.00 MB/s, 0 unchanged, 250 failed,"), line);
            assertEquals(List.of(), log.lines(Level.INFO, "progress").stream()
                    .filter(l -> l.matches("batch \\d+ done: .*")).toList());
            aLaterChangeStillArrives();
        }
    }

    private static String awaitLine(LogCapture log, Level level, String regex) {
        return await().atMost(LONG).until(() -> log.lines(level, "progress").stream()
                .filter(l -> l.matches(regex)).findFirst().orElse(null), java.util.Objects::nonNull);
    }
}
