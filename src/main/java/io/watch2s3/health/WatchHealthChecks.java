package io.watch2s3.health;

import io.watch2s3.config.Durations;
import io.watch2s3.stats.SyncCounters;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * watch2s3's own health checks for /observe/health, next to Camel's route checks. Camel finds HealthCheck beans in
 * its registry, so the route declares them as beans.
 */
public final class WatchHealthChecks {

    private WatchHealthChecks() {
    }

    /** DOWN while the watcher is known to be dead (watch.dir gone, replaced or unmounted). */
    public static class Watcher extends AbstractHealthCheck {
        private WatcherCheck check;

        public Watcher() {
            super("watch2s3", "watcher");
        }

        public void setCheck(WatcherCheck check) {
            this.check = check;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            if (check.isLost()) {
                builder.down().message("the watcher of watch.dir stopped (directory gone, replaced or unmounted)");
            } else {
                builder.up();
            }
        }
    }

    /** DOWN while the bucket refuses us (403, NoSuchBucket, wrong region). */
    public static class Bucket extends AbstractHealthCheck {
        private S3Health s3;

        public Bucket() {
            super("watch2s3", "bucket");
        }

        public void setS3(S3Health s3) {
            this.s3 = s3;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            String problem = s3.getBucketProblem();
            if (problem != null) {
                builder.down().message("S3 refuses the bucket: " + problem);
            } else {
                builder.up();
            }
        }
    }

    /** DOWN when files wait but none has finished for sync.stall-timeout. */
    public static class Backlog extends AbstractHealthCheck {
        private SyncCounters counters;
        private long stallMillis = 600_000;

        public Backlog() {
            super("watch2s3", "backlog");
        }

        public void setCounters(SyncCounters counters) {
            this.counters = counters;
        }

        /** sync.stall-timeout, e.g. "10m". */
        public void setStallTimeout(String timeout) {
            this.stallMillis = Durations.parse("sync.stall-timeout", timeout).toMillis();
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            long idle = System.currentTimeMillis() - counters.getLastProgressMillis();
            builder.detail("backlog", counters.getBacklog());
            if (counters.getBacklog() > 0 && idle > stallMillis) {
                builder.down().message(counters.getBacklog() + " files wait and none finished for " + idle / 1000 + " s");
            } else {
                builder.up();
            }
        }
    }
}
