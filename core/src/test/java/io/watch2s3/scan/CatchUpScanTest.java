package io.watch2s3.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.junit.jupiter.api.Test;

class CatchUpScanTest {

    /**
     * A scan's batch is closed at once by completing the aggregator's groups, which the aggregator refuses while Camel
     * is still starting: a first scan that ended then left its files waiting a quiet period (an outside probe saw it
     * once in 45 --once runs). The scan waits for Camel's start before it asks.
     */
    @Test
    void aScanThatEndsWhileCamelStartsWaitsForTheStart() throws Exception {
        CatchUpScan scan = new CatchUpScan();
        CountDownLatch starting = new CountDownLatch(1);
        CountDownLatch mayGoOn = new CountDownLatch(1);
        try (CamelContext camel = new DefaultCamelContext()) {
            // a service that holds Camel's start, as the routes' own start does for a moment
            camel.addService(new ServiceSupport() {
                @Override
                protected void doStart() throws Exception {
                    starting.countDown();
                    mayGoOn.await(1, TimeUnit.MINUTES);
                }
            });
            scan.setCamelContext(camel);
            CompletableFuture<Void> start = CompletableFuture.runAsync(camel::start);
            starting.await(1, TimeUnit.MINUTES);
            CompletableFuture<ServiceStatus> seen = CompletableFuture.supplyAsync(() -> {
                scan.awaitCamelStarted();
                return camel.getStatus();
            });
            Thread.sleep(200); // the scan's thread is waiting now, or about to
            mayGoOn.countDown();
            start.get(1, TimeUnit.MINUTES);
            assertEquals(ServiceStatus.Started, seen.get(1, TimeUnit.MINUTES), "went on before Camel had started");
        }
    }
}
