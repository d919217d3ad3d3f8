package io.watch2s3.s3;

import io.watch2s3.log.LogSafe;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Whether uploads carry S3's flexible checksums ({@code x-amz-checksum-sha256} on a PUT, a CRC32 per part), or
 * Content-MD5 alone. {@code s3.checksums=auto} begins with them and keeps them while the server takes them; a server
 * that answers a request carrying them with 501 NotImplemented (S3Proxy, Ceph, older MinIO: "a header you provided
 * implies functionality that is not implemented") does not: from then on this pair sends Content-MD5 alone, as with
 * {@code when-required}, and says so once. Without this, every upload failed like an outage, and files waited for a
 * server that was answering all along. The request that found out fails once and is retried like any 5xx.
 *
 * <p>An interceptor of the pair's S3 client, so that it sees every request S3 answered, whichever code sent it.
 */
public class FlexibleChecksums implements ExecutionInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(FlexibleChecksums.class);

    private volatile boolean inUse = true;
    private String endpoint = "";

    /** s3.checksums: {@code auto} or {@code when-required}. */
    public void setChecksums(String checksums) {
        this.inUse = !"when-required".equals(checksums.trim());
    }

    /** s3.endpoint, for the log line. */
    public void setEndpoint(String endpoint) {
        this.endpoint = endpoint == null ? "" : endpoint.trim();
    }

    /** True while uploads carry flexible checksums; false: Content-MD5 alone. */
    public boolean inUse() {
        return inUse;
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (inUse && context.exception() instanceof S3Exception e && e.statusCode() == 501
                && context.httpRequest().map(FlexibleChecksums::carriesThem).orElse(false)) {
            serverRefusesThem(e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorMessage());
        }
    }

    private synchronized void serverRefusesThem(String message) {
        if (!inUse) {
            return;
        }
        inUse = false;
        LOG.warn("the S3 server at {} does not take S3's checksum headers (HTTP 501 NotImplemented: {}); uploads carry"
                + " Content-MD5 alone from now on. Set s3.checksums=when-required to skip this first try",
                endpoint.isEmpty() ? "AWS" : LogSafe.name(endpoint), LogSafe.name(String.valueOf(message)));
    }

    private static boolean carriesThem(SdkHttpRequest request) {
        for (String name : request.headers().keySet()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-amz-checksum-") || lower.equals("x-amz-sdk-checksum-algorithm")
                    || lower.equals("x-amz-trailer")) {
                return true;
            }
        }
        return false;
    }
}
