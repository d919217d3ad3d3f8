package io.watch2s3.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;

/**
 * Sends every request body through the pair's {@link UploadBandwidth}. The SDK's sync clients have no rate option
 * (the aws CLI's max_bandwidth lives in its own transfer code), and its Apache client takes no socket factory for
 * plain HTTP, so the body is throttled where the SDK lets us reach it. Over plain HTTP the signer reads each body once
 * before it is sent, to hash it; over HTTPS the signer of a body with a trailing checksum (a part's CRC32) opens the
 * stream that is then sent. So what counts is when a byte is read, not which stream it comes from: only reads once the
 * request is under way (beforeTransmission) pass through the limit, and a byte is counted once, when it goes out.
 */
public class ThrottledUploads implements ExecutionInterceptor {

    private static final ExecutionAttribute<AtomicBoolean> SENDING = new ExecutionAttribute<>("watch2s3.sending");

    private final UploadBandwidth bandwidth;

    public ThrottledUploads(UploadBandwidth bandwidth) {
        this.bandwidth = bandwidth;
    }

    @Override
    public Optional<RequestBody> modifyHttpContent(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        Optional<RequestBody> body = context.requestBody();
        if (body.isEmpty() || body.get().optionalContentLength().orElse(1L) == 0) {
            return body;
        }
        AtomicBoolean sending = new AtomicBoolean();
        attributes.putAttribute(SENDING, sending);
        RequestBody original = body.get();
        ContentStreamProvider content = original.contentStreamProvider();
        ContentStreamProvider throttled = () -> new Throttled(content.newStream(), bandwidth, sending);
        return Optional.of(original.optionalContentLength()
                .map(length -> RequestBody.fromContentProvider(throttled, length, original.contentType()))
                .orElseGet(() -> RequestBody.fromContentProvider(throttled, original.contentType())));
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        AtomicBoolean sending = attributes.getAttribute(SENDING);
        if (sending != null) {
            sending.set(true);
        }
    }

    /**
     * Once its request is being sent, reads at most a portion at a time and passes on what it read only when the
     * limit lets it go; before that (a signer hashing the body), reads freely.
     */
    private static final class Throttled extends FilterInputStream {

        private final UploadBandwidth bandwidth;
        private final AtomicBoolean sending;

        Throttled(InputStream in, UploadBandwidth bandwidth, AtomicBoolean sending) {
            super(in);
            this.bandwidth = bandwidth;
            this.sending = sending;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && sending.get()) {
                bandwidth.take(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (!sending.get()) {
                return super.read(buffer, offset, length);
            }
            int n = super.read(buffer, offset, Math.min(length, bandwidth.portion()));
            if (n > 0) {
                bandwidth.take(n);
            }
            return n;
        }
    }
}
