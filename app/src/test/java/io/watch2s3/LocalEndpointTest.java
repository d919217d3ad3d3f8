package io.watch2s3;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.JavaProcess;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The README's run command: the shipped settings and route, run as a process in a folder with ./data. */
class LocalEndpointTest {

    private static final Pattern ENDPOINT = Pattern.compile("built-in S3 endpoint at (http://127\\.0\\.0\\.1:\\d+)");

    @TempDir
    Path dir;

    private void copyShippedFiles() throws Exception {
        Files.copy(Path.of("application.properties"), dir.resolve("application.properties"));
        Files.createDirectories(dir.resolve("routes"));
        Files.copy(Path.of("routes/watch-to-s3.yaml"), dir.resolve("routes/watch-to-s3.yaml"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(dir.resolve("data"));
    }

    private static S3Client clientFor(String url) {
        return S3Client.builder().endpointOverride(URI.create(url)).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y"))).build();
    }

    private static String endpointOf(JavaProcess p) {
        await().atMost(Duration.ofSeconds(60)).until(() -> ENDPOINT.matcher(p.stderr()).find());
        Matcher m = ENDPOINT.matcher(p.stderr());
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void theShippedSettingsSyncDataIntoTheLocalEndpointAndKeepItAcrossRestarts() throws Exception {
        copyShippedFiles();
        Files.writeString(dir.resolve("data/hello.txt"), "hello, bucket");
        try (JavaProcess p = JavaProcess.start(dir, List.of(), Map.of())) {
            String url = endpointOf(p);
            try (S3Client s3 = clientFor(url)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    try {
                        return s3.getObjectAsBytes(b -> b.bucket("watch2s3").key("hello.txt")).asUtf8String()
                                .equals("hello, bucket");
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
            }
            p.terminate();
            assertEquals(0, p.waitFor(60), "SIGTERM stops it cleanly; stderr:\n" + p.stderr());
        }
        assertTrue(Files.isDirectory(dir.resolve(".watch2s3/local-s3/watch2s3")), "objects kept under state.dir");
        try (JavaProcess again = JavaProcess.start(dir, List.of(), Map.of())) {
            try (S3Client s3 = clientFor(endpointOf(again))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> again.stderr().contains("catch-up scan"));
                assertEquals("hello, bucket",
                        s3.getObjectAsBytes(b -> b.bucket("watch2s3").key("hello.txt")).asUtf8String());
            }
            assertTrue(!again.stderr().contains("uploaded hello.txt"), "nothing uploaded again after a restart");
            again.terminate();
            assertEquals(0, again.waitFor(60));
        }
    }

    /** The built-in endpoint named on the command line, as any setting can be: -Ds3.endpoint=local. */
    @Test
    void theLocalEndpointChosenWithASystemPropertyIsTheOneUsed() throws Exception {
        copyShippedFiles();
        Files.writeString(dir.resolve("data/hello.txt"), "hello, bucket");
        try (JavaProcess p = JavaProcess.start(dir, List.of("-Ds3.endpoint=local"), Map.of(), "--once")) {
            assertEquals(0, p.waitFor(120), p.stderr());
            assertTrue(p.stderr().contains("uploaded hello.txt"), p.stderr());
        }
    }

    @Test
    void aOneGigabyteFileUploadsWithAHeapFarSmallerThanTheFile() throws Exception {
        copyShippedFiles();
        try (RandomAccessFile big = new RandomAccessFile(dir.resolve("data/big.bin").toFile(), "rw")) {
            big.setLength(1L << 30);
            big.seek((1L << 30) - 8);
            big.writeLong(0x5741544348325333L); // the last bytes differ from the zeros before them
        }
        try (JavaProcess p = JavaProcess.start(dir, List.of("-Xmx160m"), Map.of())) {
            String url = endpointOf(p);
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> p.stderr().contains("uploaded big.bin") || !p.isAlive());
            assertTrue(p.stderr().contains("uploaded big.bin (1073741824 bytes)"), p.stderr());
            try (S3Client s3 = clientFor(url)) {
                var head = s3.headObject(b -> b.bucket("watch2s3").key("big.bin"));
                assertEquals(1L << 30, head.contentLength());
                byte[] tail = s3.getObjectAsBytes(b -> b.bucket("watch2s3").key("big.bin")
                        .range("bytes=" + ((1L << 30) - 8) + "-")).asByteArray();
                assertEquals(0x5741544348325333L, java.nio.ByteBuffer.wrap(tail).getLong());
            }
            p.terminate();
            p.waitFor(60);
        }
    }
}
