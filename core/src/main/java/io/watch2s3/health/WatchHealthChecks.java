package io.watch2s3.health;

import io.watch2s3.config.Durations;
import io.watch2s3.state.StateDatabase;
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

    /** A check that is DOWN while {@link #problem()} says why, UP while it returns null. */
    abstract static class DownWhileProblem extends AbstractHealthCheck {
        private String pair;

        DownWhileProblem(String id) {
            super("watch2s3", id);
        }

        /** The pair checked: the check's id is then {@code <pair>-<check>}. */
        public void setPair(String pair) {
            this.pair = pair;
        }

        @Override
        public String getId() {
            return pair == null ? super.getId() : pair + "-" + super.getId();
        }

        abstract String problem();

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            String problem = problem();
            if (problem != null) {
                builder.down().message(problem);
            } else {
                builder.up();
            }
        }
    }

    /**
     * DOWN while the watcher is known to be dead (watch.dir gone, replaced or unmounted) or cannot watch every
     * directory (the inotify watch limit).
     */
    public static class Watcher extends DownWhileProblem {
        private WatcherCheck check;

        public Watcher() {
            super("watcher");
        }

        public void setCheck(WatcherCheck check) {
            this.check = check;
        }

        @Override
        String problem() {
            return check.isLost() ? "the watcher of watch.dir stopped (directory gone, replaced or unmounted)"
                    : check.unwatched();
        }
    }

    /** DOWN while the bucket refuses us (403, NoSuchBucket, wrong region). */
    public static class Bucket extends DownWhileProblem {
        private S3Health s3;

        public Bucket() {
            super("bucket");
        }

        public void setS3(S3Health s3) {
            this.s3 = s3;
        }

        @Override
        String problem() {
            String problem = s3.getBucketProblem();
            return problem == null ? null : "S3 refuses the bucket: " + problem;
        }
    }

    /** DOWN while S3 does not answer (connection refused, timeouts, 5xx): files wait for it. */
    public static class S3 extends DownWhileProblem {
        private S3Health s3;

        public S3() {
            super("s3");
        }

        public void setS3(S3Health s3) {
            this.s3 = s3;
        }

        @Override
        String problem() {
            String cause = s3.getDownCause();
            return cause == null || s3.getBucketProblem() != null ? null // the bucket check says that one
                    : "S3 is not answering: " + cause + "; files wait for it";
        }
    }

    /** DOWN while the state database cannot be used (disk full, read-only, I/O errors): files wait for it. */
    public static class State extends DownWhileProblem {
        private StateDatabase state;

        public State() {
            super("state");
        }

        public void setState(StateDatabase state) {
            this.state = state;
        }

        @Override
        String problem() {
            String cause = state.getBrokenCause();
            return cause == null ? null : "the state database in " + state.directory() + " cannot be used: " + cause
                    + "; files wait for it";
        }
    }

    /** DOWN when files wait but none has finished for sync.stall-timeout. */
    public static class Backlog extends AbstractHealthCheck {
        private SyncCounters counters;
        private long stallMillis = 600_000;

        private String pair;

        public Backlog() {
            super("watch2s3", "backlog");
        }

        /** The pair checked: the check's id is then {@code <pair>-backlog}. */
        public void setPair(String pair) {
            this.pair = pair;
        }

        @Override
        public String getId() {
            return pair == null ? super.getId() : pair + "-" + super.getId();
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
                builder.down().message(counters.getBacklog() + " files wait and none finished (nor did S3 confirm any"
                        + " request) for " + idle / 1000 + " s");
            } else {
                builder.up();
            }
        }
    }
}
