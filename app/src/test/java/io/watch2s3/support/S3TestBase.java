package io.watch2s3.support;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * One S3 server for a test class; for each test its own bucket, tree and state directory, so tests can run in any
 * order.
 */
public abstract class S3TestBase {

    private static final AtomicInteger BUCKETS = new AtomicInteger();

    @TempDir
    protected static Path serverDir;
    protected static S3TestServer s3;

    @TempDir
    protected Path dir;
    protected Path tree;
    protected Path state;
    protected String bucket;

    @BeforeAll
    static void startServer() {
        s3 = S3TestServer.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        s3.close();
    }

    @BeforeEach
    void ownBucketTreeAndState() throws Exception {
        tree = Files.createDirectories(dir.resolve("tree"));
        state = dir.resolve("state");
        bucket = "bucket-" + BUCKETS.incrementAndGet();
        s3.createBucket(bucket);
    }

    /** This test's settings, changed by {@code overrides}. */
    /** A port nothing listens on now, for management.port. */
    protected static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    protected Map<String, String> settings(Map<String, String> overrides) {
        Map<String, String> s = TestApp.settings(s3, bucket, tree, state);
        s.putAll(overrides);
        return s;
    }

    /** Waits (5 minutes at most) until {@code server} holds every key of {@code expected}, then checks each content. */
    protected void awaitObjects(S3TestServer server, Map<String, String> expected) {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> server.keys(bucket).containsAll(expected.keySet()));
        expected.forEach((key, content) -> assertEquals(content, server.getText(bucket, key), key));
    }

    protected TestApp start(Map<String, String> overrides) throws Exception {
        return TestApp.start(settings(overrides));
    }
}
