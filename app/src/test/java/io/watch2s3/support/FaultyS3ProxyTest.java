package io.watch2s3.support;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.FaultyS3Proxy.Fault;
import io.watch2s3.support.FaultyS3Proxy.Hold;
import io.watch2s3.support.FaultyS3Proxy.Request;
import io.watch2s3.support.FaultyS3Proxy.Seen;
import java.net.SocketTimeoutException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The fault-injecting proxy against the real S3 server: faithful when it should be, failing as asked. */
class FaultyS3ProxyTest extends S3TestBase {

    private FaultyS3Proxy proxy;
    /** As the tests' and the app's clients are: SDK defaults, with retries and Expect: 100-continue. */
    private S3Client client;
    /** No retries and a 2 s socket timeout, so that every fault reaches the test as it happened. */
    private S3Client strict;

    @BeforeEach
    void startProxy() {
        proxy = FaultyS3Proxy.start(s3.url());
        client = clientFor(proxy.url(), b -> { });
        strict = clientFor(proxy.url(), b -> b
                .httpClientBuilder(ApacheHttpClient.builder()
                        .expectContinueEnabled(false)
                        .socketTimeout(Duration.ofSeconds(2)))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())));
    }

    @AfterEach
    void stopProxy() {
        client.close();
        strict.close();
        proxy.close();
    }

    private static S3Client clientFor(String url, Consumer<S3ClientBuilder> more) {
        S3ClientBuilder b = S3Client.builder()
                .endpointOverride(URI.create(url))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
        more.accept(b);
        return b.build();
    }

    private void put(S3Client c, String key, String content) {
        c.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content));
    }

    @Test
    void bytesKeysAndHeadersGoThroughUnchanged() {
        String key = "dir with space/a+b%c 日本語 ~!$&'()*,;=@.bin";
        byte[] bytes = new byte[1024 * 1024];
        new Random(42).nextBytes(bytes);
        for (S3Client c : List.of(client, strict)) {
            c.putObject(b -> b.bucket(bucket).key(key).contentType("application/x-test").metadata(Map.of("sha", "x1")),
                    RequestBody.fromBytes(bytes));
            assertArrayEquals(bytes, c.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
            HeadObjectResponse head = c.headObject(b -> b.bucket(bucket).key(key));
            assertEquals(bytes.length, head.contentLength(), "HEAD passes the object's Content-Length on");
            assertEquals("application/x-test", head.contentType());
            assertEquals("x1", head.metadata().get("sha"));
        }
        assertArrayEquals(bytes, s3.get(bucket, key), "stored under the same key, byte for byte");

        put(strict, "empty", "");
        assertEquals("", s3.getText(bucket, "empty"));
        assertEquals(List.of("dir with space/a+b%c 日本語 ~!$&'()*,;=@.bin", "empty"), s3.keys(bucket));
        strict.deleteObject(b -> b.bucket(bucket).key(key));
        assertEquals(List.of("empty"), s3.keys(bucket));

        Seen firstPut = proxy.requests().stream().filter(s -> s.request().isPut()).findFirst().orElseThrow();
        assertEquals(new Request("PUT", bucket, key, ""), firstPut.request().withoutHeaders());
        assertEquals(200, firstPut.status());
        // the proxy records a request once it has answered it, a moment after the client has the answer
        await().atMost(Duration.ofSeconds(10))
                .until(() -> proxy.requests().stream().anyMatch(s -> s.request().isDelete() && s.status() == 204));
    }

    @Test
    void anErrorRuleAnswersWithItsStatusAndS3ErrorCodeAndPassesNothingOn() {
        Fault bad = proxy.when(r -> r.isPut() && r.key().equals("bad.txt")).respond(400, "InvalidArgument");
        for (S3Client c : List.of(client, strict)) {
            S3Exception e = assertThrows(S3Exception.class, () -> put(c, "bad.txt", "x"));
            assertEquals(400, e.statusCode());
            assertEquals("InvalidArgument", e.awsErrorDetails().errorCode());
        }
        put(strict, "good.txt", "fine");
        assertEquals(List.of("good.txt"), s3.keys(bucket));
        assertEquals(2, bad.matches());

        bad.remove();
        put(strict, "bad.txt", "now fine");
        assertEquals("now fine", s3.getText(bucket, "bad.txt"));
    }

    @Test
    void aRuleLimitedToTwoFailsTwoRequestsThenLetsTheThirdThrough() {
        Fault slowDown = proxy.when(Request::isPut).times(2).respond(503, "SlowDown");
        for (int i = 0; i < 2; i++) {
            S3Exception e = assertThrows(S3Exception.class, () -> put(strict, "k", "v"));
            assertEquals(503, e.statusCode());
            assertEquals("SlowDown", e.awsErrorDetails().errorCode());
        }
        put(strict, "k", "v");
        assertEquals("v", s3.getText(bucket, "k"));
        assertEquals(2, slowDown.matches());
        // the proxy records a request once it has answered it, a moment after the client has the answer
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.requests().size() == 3);
        assertEquals(List.of(503, 503, 200), proxy.requests().stream().map(Seen::status).toList());
    }

    @Test
    void aDroppedConnectionIsAClientErrorNotAnS3Status() {
        proxy.when(r -> r.key().equals("lost.txt")).dropConnection();
        // SdkClientException and S3Exception are siblings: this is a connection failure, not an HTTP status
        SdkClientException e = assertThrows(SdkClientException.class, () -> put(strict, "lost.txt", "x"));
        assertTrue(causes(e).stream().anyMatch(t -> t.getClass().getSimpleName().equals("NoHttpResponseException")),
                () -> "cause chain: " + causes(e));
        // the proxy records a dropped request after closing its connection: the client may see the drop first
        await().atMost(Duration.ofSeconds(10)).until(() -> !proxy.requests().isEmpty());
        assertEquals(1, proxy.requests().size(), "one attempt, no retry behind the test's back");
        assertTrue(proxy.requests().get(0).dropped());
        assertTrue(s3.keys(bucket).isEmpty());

        // the client's other connections, and new ones, still work
        put(strict, "kept.txt", "y");
        assertEquals("y", s3.getText(bucket, "kept.txt"));
    }

    @Test
    void s3DownThenBack() {
        Fault down = proxy.when(r -> true).dropConnection();
        assertThrows(SdkClientException.class, () -> put(client, "a", "1"));
        assertTrue(down.matches() > 1, "the default client retried: " + down.matches());
        down.remove();
        put(client, "a", "1");
        assertEquals("1", s3.getText(bucket, "a"));

        proxy.when(r -> true).respond(503, "ServiceUnavailable");
        assertEquals(503, assertThrows(S3Exception.class, () -> put(strict, "b", "2")).statusCode());
        proxy.clearFaults();
        put(strict, "b", "2");
        assertEquals(List.of("a", "b"), s3.keys(bucket));
    }

    @Test
    void aDelayLongerThanTheSocketTimeoutTimesTheClientOut() {
        proxy.when(r -> r.key().equals("slow.txt")).delay(Duration.ofSeconds(4));
        long start = System.nanoTime();
        SdkClientException e = assertThrows(SdkClientException.class, () -> put(strict, "slow.txt", "x"));
        assertTrue(causes(e).stream().anyMatch(SocketTimeoutException.class::isInstance),
                () -> "cause chain: " + causes(e));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(took >= 1900 && took < 3900, "timed out by the client after about 2 s: " + took + " ms");

        proxy.when(r -> r.key().equals("late.txt")).delay(Duration.ofMillis(500));
        put(strict, "late.txt", "y");
        assertEquals("y", s3.getText(bucket, "late.txt"));
    }

    @Test
    void aHeldRequestWaitsForReleaseWhileOthersGoThrough() throws Exception {
        Hold hold = proxy.when(r -> r.key().equals("a.txt")).times(1).hold();
        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> put(client, "a.txt", "held"));
        assertEquals(new Request("PUT", bucket, "a.txt", ""), hold.awaitArrival(Duration.ofSeconds(30)).withoutHeaders());

        put(strict, "b.txt", "free");
        assertEquals(List.of("b.txt"), s3.keys(bucket));
        assertFalse(held.isDone());

        hold.release();
        held.get(30, TimeUnit.SECONDS);
        assertEquals("held", s3.getText(bucket, "a.txt"));
        assertEquals(1, hold.matches());
        put(strict, "a.txt", "again");
        assertEquals(1, hold.matches(), "times(1): the second PUT was not held");
    }

    @Test
    void sixteenRequestsAreHeldAtOnce() throws Exception {
        Hold hold = proxy.when(Request::isPut).hold();
        // a thread each: the common pool may have fewer threads than 16
        ExecutorService senders = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String key = "k" + i;
                puts.add(senders.submit(() -> put(client, key, key)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> hold.matches() == 16);
            assertTrue(s3.keys(bucket).isEmpty());
            hold.release();
            for (Future<?> f : puts) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            senders.shutdownNow();
        }
        assertEquals(16, s3.keys(bucket).size());
        assertEquals("k7", s3.getText(bucket, "k7"));
    }

    @Test
    void aChunkedRequestBodyIsPassedOnWhole() throws Exception {
        // no length known up front: the JDK client sends Transfer-Encoding: chunked
        byte[] bytes = "sent in chunks".getBytes(StandardCharsets.UTF_8);
        HttpRequest put = HttpRequest.newBuilder(URI.create(proxy.url() + "/" + bucket + "/chunked.txt"))
                .PUT(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                .build();
        assertEquals(200, HttpClient.newHttpClient().send(put, BodyHandlers.discarding()).statusCode());
        assertEquals("sent in chunks", s3.getText(bucket, "chunked.txt"));
    }

    @Test
    void awaitArrivalFailsWhenNothingArrives() {
        Hold hold = proxy.when(r -> r.key().equals("never")).hold();
        assertThrows(AssertionError.class, () -> hold.awaitArrival(Duration.ofMillis(200)));
    }

    @Test
    void closeEndsHeldRequestsAtOnceAndCanBeCalledTwice() throws Exception {
        Hold hold = proxy.when(r -> true).hold();
        CompletableFuture<Void> held = CompletableFuture.runAsync(() -> put(strict, "a.txt", "x"));
        hold.awaitArrival(Duration.ofSeconds(30));

        long start = System.nanoTime();
        proxy.close();
        proxy.close();
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1500, "close is prompt");
        Exception e = assertThrows(Exception.class, () -> held.get(30, TimeUnit.SECONDS));
        assertInstanceOf(SdkClientException.class, e.getCause());
        assertTrue(s3.keys(bucket).isEmpty(), "the held PUT never reached S3");
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        return chain;
    }
}
