package io.watch2s3;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.watch2s3.support.Files2;
import io.watch2s3.support.LogCapture;
import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The README's recipes for editing the route, applied to a copy of routes/watch-to-s3.yaml exactly as the README
 * shows them: what they promise holds for a file sent in one PUT and for one sent in parts.
 */
class RouteRecipesTest extends S3TestBase {

    private static final Duration LONG = Duration.ofMinutes(3);
    private static final String PREPARED = "- bean: { ref: objectRequests, method: prepareUploadOrCopy }";
    /** Its first one is the upload branch's. */
    private static final String CONFIRMED = "- bean: { ref: confirmedRequests, method: recordConfirmed }";

    @Test
    void theReadmesCacheControlReachesEveryObjectWhetherSentInOnePutOrInParts() throws Exception {
        List<String> steps = new ArrayList<>(readmeSnippetAfter("or to set a `Cache-Control` header on every object"));
        // the other headers the README says work the same way
        steps.addAll(List.of(
                "- setHeader:",
                "    name: CamelAwsS3ContentDisposition",
                "    constant: \"attachment\"",
                "- setHeader:",
                "    name: CamelAwsS3ContentEncoding",
                "    constant: \"identity\""));
        Path routes = routesWith(Map.of(PREPARED, steps));
        try (TestApp app = TestApp.start(settings(Map.of("s3.part-size", "5MB")), "file:" + routes)) {
            Files2.write(tree, "index.html", "<h1>hello</h1>");
            byte[] large = new byte[2 * 5 * 1024 * 1024 + 17];
            new Random(1).nextBytes(large);
            Files.write(tree.resolve("video.mp4"), large);

            await().atMost(LONG).until(() -> s3.exists(bucket, "index.html") && s3.exists(bucket, "video.mp4"));
            // a renamed file, copied by S3 (s3.server-side-copy): the copy carries them too
            byte[] image = new byte[300 * 1024];
            new Random(2).nextBytes(image);
            Files.write(tree.resolve("image.jpg"), image);
            await().atMost(LONG).until(() -> s3.exists(bucket, "image.jpg"));
            Files.move(tree.resolve("image.jpg"), tree.resolve("renamed.jpg"));
            await().atMost(LONG).until(() -> app.counters().getCopied() == 1);
            HeadObjectResponse page = s3.head(bucket, "index.html");
            HeadObjectResponse video = s3.head(bucket, "video.mp4");
            HeadObjectResponse copied = s3.head(bucket, "renamed.jpg");
            assertTrue(video.eTag().endsWith("-3\""), "sent in three parts: " + video.eTag());
            assertEquals("image/jpeg", copied.contentType());
            for (HeadObjectResponse head : List.of(page, video, copied)) {
                assertEquals("public, max-age=300", head.cacheControl());
                assertEquals("attachment", head.contentDisposition());
                assertEquals("identity", head.contentEncoding());
            }
            assertEquals("text/html", page.contentType().replaceAll(";.*", ""));
            assertEquals("video/mp4", video.contentType());
            assertTrue(Arrays.equals(large, s3.get(bucket, "video.mp4")));
        }
    }

    @Test
    void theReadmesLogOfUploadedKeysNamesEveryUploadAndNoContent() throws Exception {
        Path routes = routesWith(Map.of(CONFIRMED, readmeSnippetAfter("to log every key uploaded or copied")));
        try (LogCapture log = new LogCapture();
                TestApp app = TestApp.start(settings(Map.of("s3.part-size", "5MB")), "file:" + routes)) {
            Files2.write(tree, "secret/index.html", "<h1>password=hunter2</h1>");
            Files2.write(tree, "${env:HOME} null.txt", "a name Simple must not read");
            byte[] large = new byte[5 * 1024 * 1024 + 1];
            Files.write(tree.resolve("video.mp4"), large);

            await().atMost(LONG).until(() -> log.lines(Level.INFO, "uploaded").size() == 3);
            Files.copy(tree.resolve("video.mp4"), tree.resolve("video copy.mp4")); // copied by S3
            await().atMost(LONG).until(() -> log.lines(Level.INFO, "uploaded").size() == 4);
            assertEquals(List.of("${env:HOME} null.txt", "secret/index.html", "video copy.mp4", "video.mp4"),
                    log.lines(Level.INFO, "uploaded").stream().sorted().toList());
            assertEquals(1, app.counters().getCopied());
            assertTrue(log.atLeast(Level.TRACE).stream().noneMatch(line -> line.contains("hunter2")),
                    "a file's content was logged");
        }
    }

    /** The YAML block that follows {@code intro} in the README, its lines without their common indent. */
    private static List<String> readmeSnippetAfter(String intro) throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int at = readme.indexOf(intro);
        assertTrue(at >= 0, "the README no longer has the recipe: " + intro);
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(at), "no yaml block after: " + intro);
        List<String> lines = block.group(1).lines().filter(l -> !l.isBlank()).toList();
        int indent = lines.stream().mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return lines.stream().map(l -> l.substring(indent)).toList();
    }

    /** A copy of the shipped route with steps added after the first step that starts with each key of {@code after}. */
    private Path routesWith(Map<String, List<String>> after) throws Exception {
        List<String> out = new ArrayList<>();
        Set<String> found = new HashSet<>();
        for (String line : Files.readAllLines(Path.of("routes/watch-to-s3.yaml"), StandardCharsets.UTF_8)) {
            out.add(line);
            String step = line.stripLeading();
            after.forEach((anchor, steps) -> {
                if (step.startsWith(anchor) && found.add(anchor)) {
                    String indent = line.substring(0, line.length() - step.length());
                    steps.forEach(added -> out.add(indent + added));
                }
            });
        }
        assertEquals(after.keySet(), found, "the steps to add after");
        Path copy = dir.resolve("routes.yaml");
        Files.write(copy, out, StandardCharsets.UTF_8);
        return copy;
    }
}
