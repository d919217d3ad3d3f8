package io.watch2s3.health;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sorts S3 failures and keeps an outage from flooding the log. Three kinds: a file S3 refuses (a 400: skip it), the
 * bucket refusing us (401/403, NoSuchBucket, wrong region: retry slowly until someone fixes it) and everything else
 * (connection refused, timeouts, 5xx, throttling: retry with back-off). Each cause is logged once when it starts and
 * once when S3 answers again; as the route's onRedelivery processor it sees every retry.
 */
public class S3Health implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(S3Health.class);
    private static final Set<String> TRANSIENT_400 = Set.of("RequestTimeout", "RequestTimeTooSkewed", "ExpiredToken");

    private static final long QUIET_MILLIS = 60_000;

    /** Causes failing now. */
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    /** When each cause was last logged: a cause that comes and goes is logged at most once a minute. */
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
    private final AtomicLong retries = new AtomicLong();
    private volatile String bucketProblem;

    /** A request S3 will never accept for this file, whatever we wait for. */
    public boolean isRejectedFile(Exception e) {
        return e instanceof S3Exception s3 && s3.statusCode() >= 400 && s3.statusCode() < 500
                && !isBucketWide(e) && s3.statusCode() != 408 && s3.statusCode() != 429
                && !TRANSIENT_400.contains(code(s3));
    }

    /** The bucket refuses us: credentials, permissions, a missing bucket or the wrong region. */
    public boolean isBucketWide(Exception e) {
        if (!(e instanceof S3Exception s3)) {
            return false;
        }
        int status = s3.statusCode();
        return status == 401 || status == 403 || status == 301 || status == 307
                || (status == 404 && "NoSuchBucket".equals(code(s3)));
    }

    /** onRedelivery: one log line per cause while it lasts, not one per file and attempt. */
    @Override
    public void process(Exchange exchange) {
        retries.incrementAndGet();
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (e == null) {
            return;
        }
        String cause = describe(e);
        if (isBucketWide(e)) {
            bucketProblem = cause;
        }
        failing.add(cause);
        long now = System.currentTimeMillis();
        Long last = lastLogged.get(cause);
        if ((last == null || now - last >= QUIET_MILLIS) && lastLogged.put(cause, now) == last) {
            LOG.error("S3 request failed: {}. Retrying{}; the files wait, nothing is lost.", cause,
                    isBucketWide(e) ? " every 30 s until the bucket accepts us again" : " with back-off");
        }
    }

    /** Called after each request S3 confirmed. */
    public void succeeded() {
        if (!failing.isEmpty()) {
            String was = String.join("; ", failing);
            failing.clear();
            bucketProblem = null;
            LOG.info("S3 answers again (was: {})", was);
        }
    }

    /** The bucket-wide problem now, or null (for health). */
    public String getBucketProblem() {
        return bucketProblem;
    }

    public boolean isFailing() {
        return !failing.isEmpty();
    }

    public long getRetries() {
        return retries.get();
    }

    private static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
    }

    private static String describe(Exception e) {
        if (e instanceof S3Exception s3) {
            return "HTTP " + s3.statusCode() + " " + code(s3);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String kind = e instanceof SdkException ? "cannot reach S3" : e.getClass().getSimpleName();
        return kind + " (" + root.getClass().getSimpleName() + ": " + firstLine(root.getMessage()) + ")";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
