package io.watch2s3.health;

import io.watch2s3.change.FilePlan;
import io.watch2s3.failure.Failure;
import io.watch2s3.stats.SyncCounters;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.s3.AWS2S3Endpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.InterceptSendToEndpoint;
import org.apache.camel.support.EventNotifierSupport;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The bookkeeping of every request to S3, in one place instead of steps around each {@code to}: Camel tells it when
 * a request to our S3 client is sent and when it ended, and it counts requests in flight and tells {@link S3Health}
 * whether S3 answered. Requests of other aws2-s3 endpoints in the same Camel host are not ours and are left alone.
 *
 * <p>Not an EventNotifier bean itself: Camel Main adds every EventNotifier it finds in the registry, at a moment that
 * depends on the host, so a bean could be added twice (and count each request twice) or not at all. It adds its own
 * notifier when created, and removes it when stopped.
 */
public class S3RequestEvents implements CamelContextAware {

    private final Notifier notifier = new Notifier();
    private CamelContext camelContext;
    private S3Client client;
    private SyncCounters counters;
    private S3Health s3;

    public void setClient(S3Client client) {
        this.client = client;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    public void setS3(S3Health s3) {
        this.s3 = s3;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** initMethod */
    public void listen() throws Exception {
        notifier.setIgnoreCamelContextEvents(true);
        notifier.setIgnoreCamelContextInitEvents(true);
        notifier.setIgnoreRouteEvents(true);
        notifier.setIgnoreServiceEvents(true);
        notifier.setIgnoreStepEvents(true);
        notifier.setIgnoreExchangeCreatedEvent(true);
        notifier.setIgnoreExchangeCompletedEvent(true);
        notifier.setIgnoreExchangeFailedEvents(true);
        notifier.setIgnoreExchangeRedeliveryEvents(true);
        notifier.setIgnoreExchangeAsyncProcessingStartedEvents(true);
        notifier.start();
        camelContext.getManagementStrategy().addEventNotifier(notifier);
    }

    /** destroyMethod */
    public void stopListening() {
        camelContext.getManagementStrategy().removeEventNotifier(notifier);
        notifier.stop();
    }

    /** A request to S3 goes out: through an aws2-s3 endpoint, or one part of a multipart upload (PartedUploads). */
    public void requestStarting() {
        counters.requestStarted();
    }

    /**
     * A request of our own code to S3 (not through an aws2-s3 endpoint), for the file at {@code path} (null: for no
     * file), counted and judged like the endpoints' ones; its exception is thrown on.
     */
    public <T> T counted(String path, Supplier<T> call) {
        requestStarting();
        try {
            T answer = call.get();
            requestEnded(path, null);
            return answer;
        } catch (RuntimeException e) {
            requestEnded(path, e);
            throw e;
        }
    }

    /** ...and ended, for the file at {@code path}: answered, or failed with {@code failure}. */
    public void requestEnded(String path, Throwable failure) {
        counters.requestEnded();
        if (failure == null) {
            counters.requestConfirmed();
            s3.succeeded(path);
        } else {
            s3.requestFailed(Failure.of(failure), path);
        }
    }

    private boolean isOurs(Endpoint endpoint) {
        Endpoint target = endpoint instanceof InterceptSendToEndpoint intercepted ? intercepted.getOriginalEndpoint() : endpoint;
        return target instanceof AWS2S3Endpoint s3Endpoint
                && s3Endpoint.getConfiguration().getAmazonS3Client() == client;
    }

    private final class Notifier extends EventNotifierSupport {
        @Override
        public void notify(CamelEvent event) {
            if (event instanceof CamelEvent.ExchangeSendingEvent sending && isOurs(sending.getEndpoint())) {
                requestStarting();
            } else if (event instanceof CamelEvent.ExchangeSentEvent sent && isOurs(sent.getEndpoint())) {
                Exchange exchange = sent.getExchange();
                FilePlan plan = exchange.getProperty(FilePlan.PROPERTY, FilePlan.class);
                requestEnded(plan == null ? null : plan.path(), exchange.getException());
            }
        }
    }
}
