package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.JavaProcess;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM while S3 does not answer the uploads in flight: the process stops within the shipped shutdown timeout
 * (camel.main.shutdown-timeout = 20), also when no application.properties is read at all. Camel's own default is 45 s,
 * past Kubernetes' 30 s grace period, and that is what a start without the file got (outside probe: 45 s).
 */
class ShutdownTest extends ProxiedS3TestBase {

    @Test
    void sigtermWithUploadsS3DoesNotAnswerStopsWithinTheShippedTimeoutAndTheNextStartSendsThem() throws Exception {
        FaultyS3Proxy.Hold silent = proxy.when(r -> r.isPut()).hold();
        Map<String, String> settings = settings(Map.of());
        settings.put("s3.endpoint", proxy.url());
        Path work = Files.createDirectories(dir.resolve("no properties file here"));
        for (int i = 0; i < 20; i++) {
            write(tree, "f" + i + ".txt", "content " + i);
        }
        try (JavaProcess first = JavaProcess.start(work, TestApp.asJvmOptions(settings), Map.of())) {
            silent.awaitArrival(Duration.ofMinutes(2));
            first.terminate();
            // 20 s for the uploads in flight, then Camel's forced stop; well short of Camel's default of 45 s
            assertEquals(0, first.waitFor(40), first.stderr());
            assertFalse(Files.exists(work.resolve("application.properties")));
        }
        silent.remove();
        silent.release();
        try (JavaProcess second = JavaProcess.start(work, TestApp.asJvmOptions(settings), Map.of())) {
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 20);
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
        }
    }

    /**
     * SIGTERM in the middle of a big batch on a slow S3: the uploads under way finish, the files not begun are left to
     * the next start. Camel waited for the whole batch: 2,000 files at 16 every 300 ms outlasted the 20 s, and the
     * stop was forced (interrupted requests, stack traces).
     */
    @Test
    void sigtermDuringABigBatchLeavesTheFilesNotBegunToTheNextStart() throws Exception {
        proxy.when(r -> r.isPut()).delay(Duration.ofMillis(300));
        Map<String, String> settings = settings(Map.of());
        settings.put("s3.endpoint", proxy.url());
        for (int i = 0; i < 2_000; i++) {
            write(tree, "burst/f" + i + ".txt", "content " + i);
        }
        try (JavaProcess first = JavaProcess.start(dir.resolve("run1"), TestApp.asJvmOptions(settings), Map.of())) {
            await().atMost(LONG).until(() -> s3.keys(bucket).size() >= 50);
            first.terminate();
            assertEquals(0, first.waitFor(60), first.stderr());
            String log = first.stdout() + first.stderr();
            assertTrue(log.contains("the files not begun yet are synced at the next start"), log);
            assertFalse(log.contains("graceful shutdown") || log.contains("Exception"), "not forced: " + log);
        }
        assertTrue(s3.keys(bucket).size() < 2_000, "stopped before the batch's end");
        proxy.clearFaults();
        try (JavaProcess second = JavaProcess.start(dir.resolve("run2"), TestApp.asJvmOptions(settings), Map.of())) {
            await().atMost(LONG).until(() -> s3.keys(bucket).size() == 2_000);
            second.terminate();
            assertEquals(0, second.waitFor(60), second.stderr());
        }
    }
}
