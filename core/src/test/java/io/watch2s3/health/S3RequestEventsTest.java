package io.watch2s3.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.change.FilePlan;
import io.watch2s3.s3.S3ClientBuilder;
import io.watch2s3.stats.SyncCounters;
import java.net.ServerSocket;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The request bookkeeping hears of every request to our S3 client through Camel's events, whatever its outcome, and
 * of no request to another aws2-s3 endpoint of the same host. The requests go to a port nothing listens on: a real
 * connection failure from the real SDK.
 */
class S3RequestEventsTest {

    private final CamelContext camel = new DefaultCamelContext();
    private final SyncCounters counters = new SyncCounters();
    private final S3Health s3 = new S3Health();
    private final S3RequestEvents events = new S3RequestEvents();
    private S3Client ours;
    private S3Client theHosts;

    private static S3Client clientOfDeadPort() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        S3ClientBuilder builder = new S3ClientBuilder();
        builder.setEndpoint("http://127.0.0.1:" + port);
        builder.setRegion("us-east-1");
        builder.setPathStyle(true);
        builder.setAccessKey("test");
        builder.setSecretKey("test");
        builder.setChecksums("when-required");
        builder.setRequestTimeout("2s");
        builder.setParallelism(2);
        return builder.build();
    }

    @BeforeEach
    void start() throws Exception {
        ours = clientOfDeadPort();
        theHosts = clientOfDeadPort();
        camel.getRegistry().bind("ours", ours);
        camel.getRegistry().bind("theHosts", theHosts);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // as in sync-file; fileName spares the endpoint a HeadBucket when it is created
                from("direct:ours").to("aws2-s3:bucket?amazonS3Client=#ours&lazyStartProducer=true&fileName=unused");
                from("direct:theHosts").to("aws2-s3:bucket?amazonS3Client=#theHosts&lazyStartProducer=true&fileName=unused");
            }
        });
        camel.start();
        events.setCamelContext(camel);
        events.setClient(ours);
        events.setCounters(counters);
        events.setS3(s3);
        events.listen();
    }

    @AfterEach
    void stop() throws Exception {
        events.stopListening();
        camel.close();
        ours.close();
        theHosts.close();
    }

    private Exchange delete(String client, String path) {
        try (ProducerTemplate producer = camel.createProducerTemplate()) {
            return producer.send("direct:" + client, exchange -> {
                exchange.setProperty(FilePlan.PROPERTY, new FilePlan.Delete(path, 0));
                exchange.getMessage().setHeader(AWS2S3Constants.KEY, path);
                exchange.getMessage().setHeader(AWS2S3Constants.S3_OPERATION, "deleteObject");
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void requestsOfAnotherS3EndpointInTheHostAreNotCounted() {
        for (String path : new String[] {"a", "b", "c"}) {
            assertNotNull(delete("theHosts", path).getException());
        }
        assertEquals(0, counters.getMaxInFlight());
        assertEquals(0, s3.getFailures());
        assertFalse(s3.isDown());
    }

    @Test
    void everyFailedRequestOfOursIsInFlightWhileItRunsAndReachesS3Health() {
        for (String path : new String[] {"a", "b", "c"}) {
            assertNotNull(delete("ours", path).getException());
        }
        assertEquals(1, counters.getMaxInFlight(), "one request at a time was in flight");
        assertEquals(0, counters.getInFlight(), "and none is left once they failed");
        assertEquals(3, s3.getFailures());
        assertTrue(s3.isDown(), "three files failing in a row: S3 counts as down");
    }
}
