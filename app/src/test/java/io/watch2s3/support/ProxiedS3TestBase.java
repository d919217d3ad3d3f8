package io.watch2s3.support;

import static io.watch2s3.support.Files2.write;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** S3TestBase with a FaultyS3Proxy in front of the S3 server: the test decides what S3 answers, and when. */
public abstract class ProxiedS3TestBase extends S3TestBase {

    protected static final Duration LONG = Duration.ofMinutes(3);
    protected FaultyS3Proxy proxy;

    @BeforeEach
    void proxy() {
        proxy = FaultyS3Proxy.start(s3.url());
    }

    @AfterEach
    void closeProxy() {
        proxy.close();
    }

    protected TestApp startThroughProxy(Map<String, String> overrides) throws Exception {
        Map<String, String> s = settings(overrides);
        s.put("s3.endpoint", proxy.url());
        return TestApp.start(s);
    }

    /** PUTs of {@code key} that reached the proxy. */
    protected long putsOf(String key) {
        return proxy.requests().stream().filter(r -> r.request().isPut() && r.request().key().equals(key)).count();
    }

    /** Waits until S3 holds {@code content} under {@code key} and the proxy has recorded the request that sent it. */
    protected void awaitObject(String key, String content) {
        await().atMost(LONG).until(() -> s3.exists(bucket, key) && s3.getText(bucket, key).equals(content)
                && !proxy.isInFlight(key));
    }

    /** Waits until S3 holds exactly {@code content} under {@code key}. */
    protected void awaitBytes(String key, byte[] content) {
        await().atMost(LONG).pollInterval(Duration.ofMillis(200))
                .until(() -> s3.exists(bucket, key) && java.util.Arrays.equals(s3.get(bucket, key), content));
    }

    /** The pipeline still works: a change made now reaches S3. */
    protected void aLaterChangeStillArrives() {
        write(tree, "later.txt", "written after the failure");
        awaitObject("later.txt", "written after the failure");
    }
}
