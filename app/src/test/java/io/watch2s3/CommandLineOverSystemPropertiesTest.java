package io.watch2s3;

import static io.watch2s3.support.Files2.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.support.S3TestBase;
import io.watch2s3.support.TestApp;
import java.util.Map;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;

/**
 * Camel puts system properties above every other source of a placeholder. What the command line decides over a
 * {@code -D} of the same key (here --once over {@code -Dsync.once=false}, as Watch2S3 resolves it) must still be what
 * the routes see: otherwise a one-shot run would start its watcher and keep its failures for retries.
 */
class CommandLineOverSystemPropertiesTest extends S3TestBase {

    @Test
    void aSettingDecidedOverASystemPropertyIsTheOneTheRoutesUse() throws Exception {
        write(tree, "a.txt", "once");
        String before = System.getProperty("sync.once");
        System.setProperty("sync.once", "false");
        try (TestApp app = start(Map.of("sync.once", "true"))) {
            assertEquals(ServiceStatus.Stopped, app.camelContext().getRouteController().getRouteStatus(SyncApplication.PAIR),
                    "the watcher of a one-shot run was started");
            assertTrue(app.awaitOnceDone(), "the one-shot run did not end synced");
            assertEquals("once", s3.getText(bucket, "a.txt"));
        } finally {
            if (before == null) {
                System.clearProperty("sync.once");
            } else {
                System.setProperty("sync.once", before);
            }
        }
    }
}
