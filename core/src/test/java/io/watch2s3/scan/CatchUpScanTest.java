package io.watch2s3.scan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

class CatchUpScanTest {

    /**
     * A scan's batch is closed at once by completing the aggregator's groups, which the aggregator refuses while Camel
     * is still starting: a first scan that ended then left its files waiting a quiet period (an outside probe saw it
     * once in 45 --once runs). So no scan starts before Camel has.
     */
    @Test
    void noScanStartsBeforeCamelHasStarted() throws Exception {
        CatchUpScan scan = new CatchUpScan();
        try (CamelContext camel = new DefaultCamelContext()) {
            scan.setCamelContext(camel);
            scan.request("start");
            assertFalse(scan.isDue(), "due while Camel was not started");
            camel.start();
            assertTrue(scan.isDue(), "not due once Camel had started");
        }
    }
}
