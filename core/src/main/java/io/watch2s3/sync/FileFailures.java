package io.watch2s3.sync;

import io.watch2s3.change.Batch;
import io.watch2s3.change.FilePlan;
import io.watch2s3.change.RefusedContents;
import io.watch2s3.change.SyncAction;
import io.watch2s3.failure.Failure;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.failure.S3UnavailableException;
import io.watch2s3.health.S3Health;
import io.watch2s3.log.LogSafe;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.SyncCounters;
import io.watch2s3.tree.FileStat;
import io.watch2s3.tree.OnDisk;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The route's error handling for one file, whatever failed: it decides whether the request is retried at once
 * ({@link #shouldRetry}, the onException's retryWhile), and when it is given up ({@link #giveUp}) logs it once with
 * the path and the cause, counts it, and says what brings the file back (see {@link FailureKind.Next}). It never
 * throws: an error handler that throws is what once stopped every later upload.
 */
public class FileFailures {

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");
    private static final String ATTEMPTS = "Watch2S3Attempts";
    /** S3Health's count of confirmed requests when the file's request first failed. */
    private static final String CONFIRMED_AT_FIRST_FAILURE = "Watch2S3ConfirmedAtFirstFailure";
    /** Set on a file's exchange once its failure is counted: its batch's progress line counts it too. */
    static final String FAILED = "Watch2S3Failed";

    private Path root;
    private int maxRetries = 5;
    private SyncCounters counters;
    private S3Health s3;
    private RetryQueue retryQueue;
    private RefusedContents refused = new RefusedContents();
    private StateDatabase state;

    /** watch.dir */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    /** sync.max-retries: retries of a request S3 did not answer, before the file waits for S3 to answer again. */
    public void setMaxRetries(int maxRetries) {
        this.maxRetries = maxRetries;
    }

    public void setCounters(SyncCounters counters) {
        this.counters = counters;
    }

    public void setS3(S3Health s3) {
        this.s3 = s3;
    }

    public void setRetryQueue(RetryQueue retryQueue) {
        this.retryQueue = retryQueue;
    }

    /** Where the contents S3 refused for good are remembered, so that the file planner does not send them again. */
    public void setState(StateDatabase state) {
        this.state = state;
    }

    public void setRefused(RefusedContents refused) {
        this.refused = refused;
    }

    /**
     * After each failed attempt: true to send the same request again after the back-off. Only when S3 did not
     * answer (or said "later"), S3 is not known to be down, S3 does not fail this key by itself, and fewer than
     * sync.max-retries retries were made.
     */
    public boolean shouldRetry(Exchange exchange) {
        try {
            Throwable thrown = exchange.getException() != null ? exchange.getException()
                    : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            if (thrown == null || thrown instanceof S3UnavailableException) {
                return false; // not sent at all: S3 is known to be down
            }
            if (!exchange.getProperties().containsKey(CONFIRMED_AT_FIRST_FAILURE)) {
                exchange.setProperty(CONFIRMED_AT_FIRST_FAILURE, s3.confirmedSoFar());
            }
            Failure failure = Failure.of(thrown); // S3Health heard of it already (S3RequestEvents)
            int attempts = exchange.getProperty(ATTEMPTS, 0, Integer.class);
            // a key S3 fails by itself is not retried at once: every try would be 6 requests, for good
            if (!failure.kind().retried() || s3.isDown() || attempts >= maxRetries || s3.failsByItself(path(exchange))) {
                return false;
            }
            exchange.setProperty(ATTEMPTS, attempts + 1);
            return true;
        } catch (RuntimeException e) {
            LOG.error("deciding whether to retry failed: {}", Failure.describe(e));
            return false;
        }
    }

    /** The file's sync is given up: log, count, and hand it to what brings it back. */
    public void giveUp(Exchange exchange) {
        try {
            Throwable thrown = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            if (exchange.getContext().isStopping() && stoppedBeforeNextTry(thrown)) {
                // a multipart upload that begins no more parts (PartedUploads): it says so as its turn ends
                LOG.debug("{}: left to the next start, as watch2s3 stops", LogSafe.name(path(exchange)));
                return;
            }
            record(exchange, thrown == null ? exchange.getException() : thrown);
        } catch (RuntimeException e) {
            LOG.error("handling a failure failed: {}", Failure.describe(e));
        }
    }

    /**
     * The last line of defence, in the batch's split: the file's own error handling failed (an error handler step
     * threw). Its exception is taken off the exchange so that the other files and the batch go on.
     */
    public void lastResort(Exchange exchange) {
        try {
            Throwable thrown = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            if (stoppedBeforeNextTry(thrown)) {
                // its row says an upload may be under way (or what S3 holds): the next start's scan takes it up
                LOG.info("{} was waiting to be tried again when watch2s3 stopped; the next start tries it again",
                        LogSafe.name(path(exchange)));
                return;
            }
            LOG.error("the error handling of {} failed: {}", LogSafe.name(path(exchange)), Failure.describe(thrown));
            // Camel keeps the file's own failure as the first suppressed exception of the handler's
            Throwable original = thrown != null && thrown.getSuppressed().length > 0 ? thrown.getSuppressed()[0] : thrown;
            record(exchange, original);
        } catch (RuntimeException e) {
            LOG.error("handling a failure failed: {}", Failure.describe(e));
        }
    }

    /** A whole batch failed before its files were synced (it could not be planned): each of its paths waits. */
    public void batchFailed(Exchange exchange) {
        try {
            Throwable thrown = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            Failure failure = Failure.of(thrown);
            List<String> paths = pathsOf(exchange.getMessage().getBody());
            LOG.error("a batch of {} paths could not be synced: {}; {}", paths.size(), failure.cause(),
                    failure.kind().next() == FailureKind.Next.NEXT_CHANGE
                            ? "they are synced at their next change or the next scan"
                            : "they are synced once that works again");
            for (String path : paths) {
                counters.countFailed(failure.kind());
                whatNext(failure, path);
            }
        } catch (RuntimeException e) {
            LOG.error("handling a failed batch failed: {}", Failure.describe(e));
        }
    }

    private void record(Exchange exchange, Throwable thrown) {
        String path = path(exchange);
        Failure failure = refine(Failure.of(thrown), path, thrown, exchange);
        boolean sent = !notSent(thrown);
        Long confirmedAtFirstFailure = exchange.getProperty(CONFIRMED_AT_FIRST_FAILURE, Long.class);
        // sent, and S3 did not answer it; not when it was given up because watch2s3 stops (its next try refused),
        // which says nothing about S3
        if (failure.kind().next() == FailureKind.Next.WAIT_FOR_RECOVERY && confirmedAtFirstFailure != null
                && !exchange.getContext().isStopping()) {
            s3.gaveUp(failure, path, confirmedAtFirstFailure);
        }
        if (failure.kind() == FailureKind.S3_UNAVAILABLE && sent && s3.failsByItself(path)) {
            failure = new Failure(FailureKind.KEY_FAILS, failure.cause());
        }
        counters.countFailed(failure.kind());
        exchange.setProperty(FAILED, true);
        settleDoubt(path, sent && (failure.kind() == FailureKind.S3_UNAVAILABLE
                || failure.kind() == FailureKind.KEY_FAILS));
        if (failure.kind() == FailureKind.REFUSED_BY_S3 && plan(exchange) instanceof FilePlan.Upload upload) {
            refused.remember(upload.path(), upload.fingerprint());
        }
        switch (failure.kind().next()) {
            case WAIT_FOR_RECOVERY -> {
                if (!sent || failure.kind() == FailureKind.KEY_FAILS) {
                    // not sent: S3 already counts as down, which S3Health logged once (a burst would give a line
                    // per file); or S3 fails this key by itself, which it said once (else: a line at every try). The
                    // count and watch2s3_files_waiting show them.
                    LOG.debug("{} waits: {}", LogSafe.name(path), failure.cause());
                } else {
                    LOG.info("{} waits: {}; it is synced once that works again", LogSafe.name(path), failure.cause());
                }
            }
            case LOOK_AGAIN -> LOG.info("{} {} while it was being synced; looking at it again", LogSafe.name(path),
                    failure.kind() == FailureKind.VANISHED ? "vanished" : "changed");
            case NEXT_CHANGE -> LOG.warn("could not sync {}: {} ({}); {}", LogSafe.name(path), failure.cause(),
                    failure.kind().tag(), whenTriedAgain(failure.kind()));
        }
        if (failure.kind().next() == FailureKind.Next.WAIT_FOR_RECOVERY && !sent) {
            retryQueue.setAside(path);
        } else {
            whatNext(failure, path);
        }
    }

    private static String whenTriedAgain(FailureKind kind) {
        return switch (kind) {
            case REFUSED_BY_S3 -> "it is tried again once it changes (or after a restart)";
            case KEY_CONFLICT -> "S3 still holds objects below this name or an object above it, and this server "
                    + "cannot keep a file and a directory of one name (with sync.deletes=true the old ones go when "
                    + "they are gone from the tree); it is tried again at its next change or the next scan";
            default -> "it is tried again at its next change or the next scan";
        };
    }

    /** Camel refuses a redelivery once the context is stopping (allowRedeliveryWhileStopping: false). */
    private static boolean stoppedBeforeNextTry(Throwable thrown) {
        return ObjectHelper.getException(RejectedExecutionException.class, thrown) != null;
    }

    /**
     * The turn ended in a failure. When S3 may have carried out the request (its answer never came, or a 5xx), the
     * row no longer says what S3 holds; otherwise it still does, and the batch's doubt on it goes.
     */
    private void settleDoubt(String path, boolean s3MayHaveDoneIt) {
        try {
            if (s3MayHaveDoneIt) {
                state.distrust(path);
            } else {
                state.turnEnded(path);
            }
        } catch (RuntimeException e) {
            // the state database fails too: the row stays in doubt, and the next start does not trust it
            LOG.debug("could not settle the state of {}: {}", LogSafe.name(path), e.toString());
        }
    }

    /** The request was not sent at all: S3 already counted as down (S3Health#checkAvailable). */
    private static boolean notSent(Throwable thrown) {
        return ObjectHelper.getException(S3UnavailableException.class, thrown) != null;
    }

    private void whatNext(Failure failure, String path) {
        switch (failure.kind().next()) {
            case WAIT_FOR_RECOVERY -> {
                if (failure.kind() == FailureKind.KEY_FAILS) {
                    retryQueue.waitForKey(path);
                } else {
                    retryQueue.waitForRecovery(path);
                }
            }
            case LOOK_AGAIN -> retryQueue.lookAgain(path);
            case NEXT_CHANGE -> { }
        }
    }

    /**
     * "Cannot open the file" means "vanished" when nothing is there any more. A 400 for an upload whose file is no
     * longer the one that was hashed means "changed while uploading": S3 says BadDigest when the body does not match
     * its checksums, but S3Mock (the built-in endpoint) and some S3-compatible servers just say 400 BadRequest.
     */
    private Failure refine(Failure failure, String path, Throwable thrown, Exchange exchange) {
        if (failure.kind() == FailureKind.UNREADABLE && path != null && OnDisk.look(root, path) == OnDisk.GONE) {
            return new Failure(FailureKind.VANISHED, failure.cause());
        }
        if (failure.kind() == FailureKind.REFUSED_BY_S3 && badRequest(thrown)
                && plan(exchange) instanceof FilePlan.Upload upload && !stillTheFileHashed(upload)) {
            return new Failure(FailureKind.CHANGED_WHILE_UPLOADING, failure.cause() + "; the file changed meanwhile");
        }
        return failure;
    }

    private static boolean badRequest(Throwable thrown) {
        S3Exception answer = ObjectHelper.getException(S3Exception.class, thrown);
        return answer != null && answer.statusCode() == 400;
    }

    private boolean stillTheFileHashed(FilePlan.Upload upload) {
        try {
            return upload.fingerprint().stillDescribes(FileStat.of(root.resolve(upload.path())));
        } catch (java.io.IOException e) {
            return false; // gone or unreadable now: its next turn finds out which
        }
    }

    /** The file's path: from its plan once there is one, before that from the batch's action. */
    private static String path(Exchange exchange) {
        FilePlan plan = plan(exchange);
        if (plan != null) {
            return plan.path();
        }
        return exchange.getMessage().getBody() instanceof SyncAction action ? action.path() : null;
    }

    private static FilePlan plan(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        return body instanceof FilePlan inBody ? inBody : exchange.getProperty(FilePlan.PROPERTY, FilePlan.class);
    }

    private static List<String> pathsOf(Object body) {
        List<String> paths = new ArrayList<>();
        if (body instanceof Batch batch) {
            paths.addAll(batch.getPaths());
        } else if (body instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof SyncAction action) {
                    paths.add(action.path());
                }
            }
        }
        return paths;
    }
}
