package io.watch2s3.health;

import io.watch2s3.failure.Failure;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.log.LogSafe;
import io.watch2s3.failure.S3UnavailableException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether S3 answers, as seen by the uploads themselves (a circuit breaker). S3 counts
 * as down once requests for three different files failed in a row, a file used up its retries while S3 confirmed no
 * request at all, or the bucket refused us. While it is down, files do not wait out their retries one after another
 * (a burst of 10,000 files against a dead endpoint would take hours): they are set aside at once, and only one request
 * at a time goes through as a probe, after 1 s, then 2, 4… up to 30 s. The first request S3 confirms ends the outage,
 * and the files set aside are synced again (see RetryQueue). Each cause is logged once when it starts, and once when
 * S3 answers again.
 *
 * <p>Some servers fail one key for good and store every other (S3Proxy's filesystem backend answers 500 for a file
 * where a directory's objects still are). Such a key must not make S3 count as down again and again, holding up new
 * files each time: a key that used up its retries while S3 confirmed other requests fails by itself, and so do the
 * keys whose failures opened an outage that a request for another file ended. From then on their failures are not
 * taken for S3's, until S3 accepts them (in a real outage, at once when the files that waited are synced).
 *
 * <p>When only such keys wait, nothing else being sent, sending one of them again as the probe says nothing new: the
 * probe is then a HeadBucket (see {@link BucketProbe}), and its answer ends the outage; the keys then wait by
 * themselves. Not twice in a row, though: a server that answers HeadBucket but fails every upload (its disk is full)
 * would otherwise count as up whenever nothing new was sent. After a HeadBucket ended an outage, only a file's
 * request S3 confirms makes the next outage's probe a HeadBucket again.
 *
 * <p>Files failing in a row are a guess, not a proof: three bad keys next to each other in a deploy (S3Proxy answers
 * 500 for names of 254 bytes and more) opened an outage that the bucket's answer ended a second later, and the ERROR
 * line and health DOWN it gave were a false alarm. So an outage found that way is said (ERROR, health DOWN) only once
 * the first probe failed too, or after {@value #SAY_UNPROVEN_AFTER_MILLIS} ms without an answer (a probe that hangs
 * until s3.request-timeout: {@link #sayOutageUnprovenTooLong}, called with the progress lines); meanwhile files are set
 * aside as in any outage. A bucket S3 refuses, and a {@code --once} run (which sends no probe), say it at once.
 */
public class S3Health {

    private static final Logger LOG = LoggerFactory.getLogger(S3Health.class);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    /** Distinct files failing in a row that make S3 count as down. */
    private static final int FILES_TO_OPEN = 3;
    /** Keys remembered as failing by themselves; past that, all are forgotten (they count as S3's failures again). */
    private static final int MAX_FAILING_ALONE = 1_000;
    /** Files remembered as failing during one outage; past that, it is taken for a real one. */
    private static final int MAX_SUSPECTS = 100;
    private static final long FIRST_PROBE_MILLIS = 1_000;
    private static final long MAX_PROBE_MILLIS = 30_000;
    /** An outage no probe has proven or ended yet is said after this long anyway. */
    static final long SAY_UNPROVEN_AFTER_MILLIS = 10_000;
    /** A cause that comes and goes is logged at most once a minute. */
    private static final long QUIET_MILLIS = 60_000;

    private final Set<String> failingFiles = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong confirmed = new AtomicLong();
    /** Keys given up once for want of any answer while S3 answered others: the next time, it is their keys. */
    private final Set<String> unansweredOnce = ConcurrentHashMap.newKeySet();
    /** Keys that fail by themselves → whether a WARN said so yet. Forgotten once S3 accepts them. */
    private final Map<String, Boolean> failingAlone = new ConcurrentHashMap<>();
    /** The files whose failures opened the outage now or were given up during it (guarded by this). */
    private final Set<String> suspects = new HashSet<>();
    private volatile String downCause;
    /** Whether the outage now has been said (logged, and shown by health), see the class comment. */
    private volatile boolean downSaid;
    /** Whether a probe has been let through in the outage now (guarded by this). */
    private boolean probeSent;
    private volatile long downSinceMillis;
    private volatile String bucketProblem;
    private volatile long lastRecoveryMillis;
    private long nextProbeMillis;
    private long probeDelayMillis = FIRST_PROBE_MILLIS;
    /** Whether a file S3 had not failed has been set aside in this outage yet (guarded by this). */
    private boolean freshFileWaited;
    private boolean once;
    /** A HeadBucket ended the last outage, and no file's request was confirmed since. */
    private volatile boolean onlyTheBucketAnswered;

    /** A request to S3 failed with {@code failure}; whether the file is retried is decided elsewhere. */
    public void requestFailed(Failure failure, String path) {
        if (!isAboutS3(failure.kind())) {
            return;
        }
        failures.incrementAndGet();
        String key = path == null ? "" : path;
        if (failure.kind() == FailureKind.BUCKET_REFUSED) {
            bucketProblem = failure.cause();
            markDown(failure.cause(), Set.of());
        } else if (failingAlone.containsKey(key)) {
            return; // said once; each of its retries would otherwise log again every minute
        } else if (!isDown()) {
            failingFiles.add(key);
            if (failingFiles.size() >= FILES_TO_OPEN) {
                markDown(failure.cause(), Set.copyOf(failingFiles));
            }
        } else {
            sayIfProbeFailed();
        }
        logOnce(failure, path);
    }

    /**
     * A file used up its retries because S3 did not answer. S3 is down if it confirmed no request, for any file,
     * since this file's first failure ({@code confirmedAtFirstFailure}, from {@link #confirmedSoFar}); otherwise only
     * this key fails.
     */
    public void gaveUp(Failure failure, String path, long confirmedAtFirstFailure) {
        if (!isAboutS3(failure.kind()) || path == null) {
            return;
        }
        Boolean said = failingAlone.get(path);
        if (said != null) {
            if (!said && failingAlone.replace(path, false, true)) {
                warnFailsAlone(path, failure);
            }
        } else if (confirmed.get() == confirmedAtFirstFailure || isDown()) {
            markDown(failure.cause(), Set.of(path));
            sayIfProbeFailed();
        } else if (failure.isNoAnswer() && rememberUnansweredOnce(path)) {
            // no answer at all, while S3 answers others: the network loses requests (with 30 % of them dropped, 15
            // files were put on the key's back-off, up to an hour). It waits the usual 30 s. Given up so again, it is
            // the key's (a file too large for s3.request-timeout, a proxy that drops this one path).
            failingFiles.remove(path);
            logOnce(new Failure(failure.kind(), "a connection that loses requests: no answer after the retries, while"
                    + " S3 answers other requests; the file is tried again within 30 s"), path);
        } else {
            failingFiles.remove(path);
            remember(path, true);
            warnFailsAlone(path, failure);
        }
    }

    private boolean rememberUnansweredOnce(String path) {
        if (unansweredOnce.size() >= MAX_FAILING_ALONE) {
            unansweredOnce.clear();
        }
        return unansweredOnce.add(path);
    }

    /** True for a key S3 fails by itself while it accepts others (its give-up is then no news worth a line). */
    public boolean failsByItself(String path) {
        return path != null && failingAlone.containsKey(path);
    }

    /** How many requests S3 confirmed since start (a mark to compare with later, for {@link #gaveUp}). */
    public long confirmedSoFar() {
        return confirmed.get();
    }

    /** Called after each request S3 confirmed, for {@code path} (null: not a file's). */
    public void succeeded(String path) {
        confirmed.incrementAndGet();
        failingFiles.clear();
        if (path != null && !failingAlone.isEmpty()) {
            failingAlone.remove(path);
        }
        if (path != null && !unansweredOnce.isEmpty()) {
            unansweredOnce.remove(path);
        }
        if (path != null && onlyTheBucketAnswered) {
            onlyTheBucketAnswered = false;
        }
        if (downCause != null || bucketProblem != null) {
            synchronized (this) {
                if (downCause == null && bucketProblem == null) {
                    return;
                }
                if (bucketProblem == null && !suspects.contains(path) && suspects.size() <= MAX_SUSPECTS) {
                    // S3 answers a file other than those that failed: maybe only their keys fail. Said only if they
                    // fail again; in a real outage they are accepted in a moment, and forgotten.
                    suspects.forEach(suspect -> remember(suspect, false));
                }
                suspects.clear();
                String was = downCause != null ? downCause : bucketProblem;
                long seconds = (System.currentTimeMillis() - downSinceMillis) / 1000;
                boolean said = downSaid;
                downCause = null;
                downSaid = false;
                bucketProblem = null;
                probeDelayMillis = FIRST_PROBE_MILLIS;
                lastRecoveryMillis = System.currentTimeMillis();
                onlyTheBucketAnswered = path == null;
                if (!said) {
                    // never said: the WARN of each key that fails again says what there is to say
                    LOG.debug("S3 answers (the failures in a row were no outage: {})", was);
                } else if (path == null) {
                    LOG.info("S3 answers again: the bucket answers (was: {}, for {} s), and only the files that failed"
                            + " waited; they are tried again, and a key that still fails waits by itself",
                            was, seconds);
                } else {
                    LOG.info("S3 answers again (was: {}, for {} s); the files that waited are synced now",
                            was, seconds);
                }
            }
        }
    }

    private void remember(String path, boolean said) {
        if (failingAlone.size() >= MAX_FAILING_ALONE) {
            failingAlone.clear();
        }
        failingAlone.putIfAbsent(path, said);
    }

    private static void warnFailsAlone(String path, Failure failure) {
        LOG.warn("S3 fails {} ({}) while it answers other requests: a problem of that key, not an outage; it waits by"
                + " itself and is tried again after 30 s, then less often (up to hourly), and at its next change",
                LogSafe.name(path), failure.cause());
    }

    /**
     * The step before each request: while S3 is down, only a probe goes through; every other request fails at once
     * with {@link S3UnavailableException}, and its file waits for S3 to answer again.
     */
    public void checkAvailable() {
        if (downCause == null) {
            return;
        }
        synchronized (this) {
            long now = System.currentTimeMillis();
            sayIfUnprovenTooLong(now);
            if (downCause != null && now < nextProbeMillis) {
                throw new S3UnavailableException("S3 has not been answering since "
                        + CLOCK.format(Instant.ofEpochMilli(downSinceMillis)) + " (" + downCause + "): not tried");
            }
            nextProbeMillis = now + probeDelayMillis;
            probeDelayMillis = Math.min(MAX_PROBE_MILLIS, probeDelayMillis * 2);
            probeSent = downCause != null;
        }
    }

    /** True while S3 counts as down. */
    public boolean isDown() {
        return downCause != null;
    }

    /**
     * A file S3 has not failed was set aside. The first one in an outage goes as a probe within a second, however
     * far off the next one was: if the outage is only some keys failing by themselves (nothing else was being sent),
     * it ends it, and a new file does not wait up to 30 s for the proof; if it fails too, S3 is down and probes keep
     * their pace.
     */
    public synchronized void freshFileWaits() {
        if (downCause != null && !freshFileWaited) {
            freshFileWaited = true;
            nextProbeMillis = Math.min(nextProbeMillis, System.currentTimeMillis() + FIRST_PROBE_MILLIS);
        }
    }

    /** True when S3 is down and the next probe may go: a waiting file can be sent to find out. */
    public synchronized boolean isProbeDue() {
        long now = System.currentTimeMillis();
        sayIfUnprovenTooLong(now); // the retry queue asks every second
        return downCause != null && now >= nextProbeMillis;
    }

    /**
     * True when the next probe is due and should be a HeadBucket rather than a file: S3 is down (not a bucket
     * problem), the files that wait for it ({@code waiting}, none of them set aside unsent) all failed in this
     * outage, and no HeadBucket ended the last outage without a file going through since.
     */
    public synchronized boolean isBucketProbeDue(Collection<String> waiting) {
        return isProbeDue() && bucketProblem == null && !onlyTheBucketAnswered && !waiting.isEmpty()
                && suspects.size() <= MAX_SUSPECTS && suspects.containsAll(waiting);
    }

    /** True when {@code path} failed in the outage now (it opened it, or was given up during it). */
    public synchronized boolean failedInThisOutage(String path) {
        return downCause != null && suspects.contains(path);
    }

    /** Why S3 is down, or null (for health): null too while an outage is not said yet (see the class comment). */
    public String getDownCause() {
        return downSaid ? downCause : null;
    }

    /** The bucket-wide problem now (403, NoSuchBucket, wrong region), or null (for health). */
    public String getBucketProblem() {
        return bucketProblem;
    }

    /** When S3 last answered after an outage (0: never was down). */
    public long getLastRecoveryMillis() {
        return lastRecoveryMillis;
    }

    /** sync.once: the run ends rather than waiting for S3, and says so. */
    public void setOnce(boolean once) {
        this.once = once;
    }

    /** Requests that failed for a reason of S3's, since start. */
    public long getFailures() {
        return failures.get();
    }

    /** Marks S3 down if it was up; {@code failed}: the files that made it so, or that failed while it was down. */
    private synchronized void markDown(String cause, Set<String> failed) {
        if (suspects.size() <= MAX_SUSPECTS) { // past it, this is no key's problem
            failed.stream().filter(path -> !path.isEmpty()).forEach(suspects::add);
        }
        if (downCause == null) {
            downSinceMillis = System.currentTimeMillis();
            nextProbeMillis = downSinceMillis + probeDelayMillis;
            freshFileWaited = false;
            probeSent = false;
            downCause = cause;
        }
        if (!downSaid && (bucketProblem != null || once)) {
            sayDown();
        }
    }

    /** A request failed while S3 counted as down: after a probe went, that proves the outage. */
    private synchronized void sayIfProbeFailed() {
        if (downCause != null && !downSaid && probeSent) {
            sayDown();
        }
    }

    /**
     * Says the outage now if it has lasted {@value #SAY_UNPROVEN_AFTER_MILLIS} ms unproven: called on a timer of its
     * own (the progress route's), as the retry queue's timer waits for a HeadBucket probe that hangs.
     */
    public void sayOutageUnprovenTooLong() {
        sayIfUnprovenTooLong(System.currentTimeMillis());
    }

    private synchronized void sayIfUnprovenTooLong(long now) {
        if (downCause != null && !downSaid && now - downSinceMillis >= SAY_UNPROVEN_AFTER_MILLIS) {
            sayDown();
        }
    }

    private synchronized void sayDown() {
        downSaid = true;
        String cause = bucketProblem != null ? bucketProblem : downCause;
        LOG.error("{} ({}). {}", bucketProblem == null ? "S3 is not answering"
                : cause.contains(" KMS.") ? "S3 refuses the encryption key: check s3.sse and s3.kms-key-id, and"
                        + " that the key is enabled and we may use it"
                : "S3 refuses the bucket: check the bucket, the region, s3.access-key and the bucket's permissions",
                cause, once
                ? "This run (--once) does not wait for it: what it cannot send is counted at its end, and the next"
                        + " run syncs it; nothing is lost."
                : "Files wait and are synced once it accepts them again; nothing is lost. Trying one request at a"
                        + " time, less often as it goes on, up to every 30 s.");
    }

    /** The first file it happened to is named; the same cause for other files is not logged again within a minute. */
    private void logOnce(Failure failure, String path) {
        long now = System.currentTimeMillis();
        Long last = lastLogged.get(failure.cause());
        if ((last == null || now - last >= QUIET_MILLIS) && lastLogged.put(failure.cause(), now) == last) {
            LOG.warn("S3 request failed{}: {}", path == null ? "" : " for " + LogSafe.name(path), failure.cause());
        }
    }

    private static boolean isAboutS3(FailureKind kind) {
        return kind == FailureKind.S3_UNAVAILABLE || kind == FailureKind.BUCKET_REFUSED;
    }
}
