package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.support.FaultyS3Proxy;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.ProxiedS3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A server that does not implement S3's checksum headers, with the default s3.checksums=auto: S3Proxy, Ceph and older
 * MinIO answer such a request 501 NotImplemented (the proxy answers so here, to every request carrying one). One WARN
 * names the setting, and from then on uploads, single PUTs and parts, carry Content-MD5 alone: every file arrives,
 * where before each waited for an outage that was none.
 */
class ServerWithoutChecksumsTest extends ProxiedS3TestBase {

    private static final int PART = 5 * 1024 * 1024;

    @Test
    void aServerThatDoesNotImplementChecksumHeadersGetsContentMd5AloneAndEveryFileArrives() throws Exception {
        proxy.when(r -> r.carriesHeader("x-amz-checksum-") || r.carriesHeader("x-amz-sdk-checksum-algorithm")
                || r.carriesHeader("x-amz-trailer")).respond(501, "NotImplemented");
        byte[] large = new byte[2 * PART + 1];
        new Random(21).nextBytes(large);
        try (LogCapture log = new LogCapture(); TestApp app = startThroughProxy(Map.of("s3.part-size", "5MB"))) {
            write(tree, "small.txt", "small");
            Files.write(tree.resolve("large.bin"), large);
            awaitObject("small.txt", "small");
            await().atMost(LONG).until(() -> s3.exists(bucket, "large.bin")
                    && Arrays.equals(large, s3.get(bucket, "large.bin")));

            List<String> warnings = log.lines(Level.WARN, "FlexibleChecksums");
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("the S3 server at " + proxy.url() + " does not take S3's checksum"
                    + " headers (HTTP 501 NotImplemented"), warnings.get(0));
            assertTrue(warnings.get(0).contains("Set s3.checksums=when-required"), warnings.get(0));
            List<FaultyS3Proxy.Seen> taken = proxy.requests().stream().filter(seen -> seen.status() == 200).toList();
            assertTrue(taken.stream().noneMatch(seen -> seen.request().carriesHeader("x-amz-checksum-")), taken.toString());
            assertTrue(taken.stream().filter(seen -> seen.request().query().contains("partNumber=")).count() >= 3,
                    "the large file went in parts: " + taken);
            aLaterChangeStillArrives();
        }
    }
}
