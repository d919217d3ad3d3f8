package io.watch2s3.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.s3.UploadBandwidth;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

/**
 * What the pipeline did since start, as Micrometer meters (exposed on /observe/metrics when management.port is set)
 * and as plain getters for logs and tests. Thread-safe. The methods the route calls are named count…, so that no
 * getter can be taken for them (Camel reads a method name "failed" as the getter getFailed too, and which of the two
 * it calls then depends on the JVM).
 */
public class SyncCounters implements CamelContextAware {


    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicLong backlog = new AtomicLong();
    private volatile IntSupplier collecting = () -> 0;
    private UploadBandwidth bandwidth;
    private final AtomicLong lastProgressMillis = new AtomicLong(System.currentTimeMillis());
    private Counter uploaded;
    private Counter copied;
    private Counter bytesUploaded;
    private Counter deleted;
    private Counter unchanged;
    private MeterRegistry registry;
    private final Map<FailureKind, Counter> failed = new EnumMap<>(FailureKind.class);
    private Counter refused;
    private Counter vanished;
    private Counter deletesHeld;
    private Counter setAside;
    private DistributionSummary batchSize;
    private Timer latency;
    private Timer scanDuration;
    private Counter filesScanned;

    private String pair = "";
    private CamelContext camelContext;

    public SyncCounters() {
        register();
    }

    /** The registry the meters live in; Camel's Prometheus registry when metrics are on. */
    public void setMeterRegistry(MeterRegistry registry) {
        this.registry = registry;
    }

    /** s3.bandwidth-limit: its meters are the pair's, and limited bytes going out count as progress. */
    public void setBandwidth(UploadBandwidth bandwidth) {
        this.bandwidth = bandwidth;
    }

    /** The pair whose files these are: every meter is tagged pair=<id>. */
    public void setPair(String pair) {
        this.pair = pair;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * initMethod: the meters, tagged with the pair, in the registry given and in every registry of the host's (a Spring
     * Boot host's Actuator registry, say), so that the host's own metrics endpoint shows them too.
     */
    public final void register() {
        if (registry == null) {
            registry = new SimpleMeterRegistry();
        }
        if (camelContext != null) {
            registry = MetricsRegistries.withHostRegistries(registry,
                    camelContext.getRegistry().findByType(MeterRegistry.class));
        }
        Tags tags = Tags.of("pair", pair);
        uploaded = Counter.builder("watch2s3.files.uploaded").description("files uploaded to S3").tags(tags).register(registry);
        copied = Counter.builder("watch2s3.files.copied")
                .description("files S3 copied from an object holding their content, not uploaded (s3.server-side-copy)")
                .tags(tags).register(registry);
        bytesUploaded = Counter.builder("watch2s3.bytes.uploaded").baseUnit("bytes").tags(tags).register(registry);
        deleted = Counter.builder("watch2s3.files.deleted").description("objects deleted").tags(tags).register(registry);
        unchanged = Counter.builder("watch2s3.files.unchanged")
                .description("changes skipped: S3 already held the content").tags(tags).register(registry);
        failed.clear();
        for (FailureKind kind : FailureKind.values()) {
            if (kind != FailureKind.VANISHED) {
                failed.put(kind, Counter.builder("watch2s3.files.failed").tag("cause", kind.tag())
                        .description("files given up on, by cause (see the README for what happens next)")
                        .tags(tags).register(registry));
            }
        }
        refused = Counter.builder("watch2s3.files.refused").description("names S3 cannot take").tags(tags).register(registry);
        vanished = Counter.builder("watch2s3.files.vanished").description("files gone before their upload")
                .tags(tags).register(registry);
        deletesHeld = Counter.builder("watch2s3.deletes.held").description("deletes refused by the delete guard")
                .tags(tags).register(registry);
        setAside = Counter.builder("watch2s3.paths.set.aside")
                .description("paths of a burst's batches left to a catch-up scan: the batch queue was full")
                .tags(tags).register(registry);
        batchSize = DistributionSummary.builder("watch2s3.batch.size").baseUnit("files").tags(tags).register(registry);
        latency = Timer.builder("watch2s3.sync.latency")
                .description("from the first event of a change to S3's confirmation")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(100))
                .maximumExpectedValue(Duration.ofMinutes(10)).tags(tags).register(registry);
        scanDuration = Timer.builder("watch2s3.scan.duration").description("catch-up scans").tags(tags).register(registry);
        filesScanned = Counter.builder("watch2s3.scan.files").description("files looked at by catch-up scans")
                .tags(tags).register(registry);
        Gauge.builder("watch2s3.uploads.in.flight", inFlight, AtomicInteger::get)
                .description("S3 requests in flight").tags(tags).register(registry);
        // the paths of the open batch too: during a long burst they wait for its quiet period, up to sync.max-delay
        Gauge.builder("watch2s3.backlog", this, c -> c.backlog.get() + c.collecting.getAsInt())
                .description("paths waiting to be synced: in open batches, in closed ones waiting for a lane, or planned")
                .tags(tags).register(registry);
        registerBandwidth(tags);
    }

    private void registerBandwidth(Tags tags) {
        if (bandwidth == null) {
            return;
        }
        Gauge.builder("watch2s3.upload.bandwidth.limit", bandwidth, UploadBandwidth::currentBytesPerSecond)
                .baseUnit("bytes").description("s3.bandwidth-limit in force: bytes per second, 0 for none")
                .tags(tags).strongReference(true).register(registry);
        // the function counter holds its object weakly: the bandwidth bean lives as long as the pair
        FunctionCounter.builder("watch2s3.upload.throttled", bandwidth, UploadBandwidth::secondsWaited)
                .baseUnit("seconds").description("time uploads waited for s3.bandwidth-limit, added up")
                .tags(tags).register(registry);
        bandwidth.whenMoving(this::uploadMoving);
    }

    /** The paths the open batch holds (LatestChangePerPath), counted in the watch2s3_backlog gauge. */
    public void watchCollecting(IntSupplier collecting) {
        this.collecting = collecting;
    }

    /** The number of files set aside until S3 or the state database works again, as watch2s3_files_waiting. */
    public void watchWaiting(IntSupplier waiting) {
        // strongly: Micrometer holds a gauge's object weakly, and the caller's method reference is held by nothing
        // else (the gauge read NaN after the first GC)
        Gauge.builder("watch2s3.files.waiting", waiting, w -> w.getAsInt())
                .description("files set aside until S3 or the state database works again").tags("pair", pair)
                .strongReference(true).register(registry);
    }

    /** A request to S3 is sent (see S3RequestEvents). */
    public void requestStarted() {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    }

    /** S3 answered it, or it failed. */
    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /** After S3 confirmed an upload and the state recorded it. */
    public void countUploaded(long bytes, long firstSeenMillis) {
        uploaded.increment();
        bytesUploaded.increment(bytes);
        synced(firstSeenMillis);
    }

    /** After S3 confirmed a copy of another object as the file's (no bytes uploaded) and the state recorded it. */
    public void countCopied(long firstSeenMillis) {
        copied.increment();
        synced(firstSeenMillis);
    }

    /** After S3 confirmed a delete and the state recorded it. */
    public void countDeleted(long firstSeenMillis) {
        deleted.increment();
        synced(firstSeenMillis);
    }

    private void synced(long firstSeenMillis) {
        if (firstSeenMillis > 0) {
            latency.record(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - firstSeenMillis)));
        }
    }

    /** A change that needed no request: S3 already held the content. */
    public void countUnchanged() {
        unchanged.increment();
    }

    public void countFailed(FailureKind kind) {
        (kind == FailureKind.VANISHED ? vanished : failed.get(kind)).increment();
    }

    public void countRefused() {
        refused.increment();
    }

    public void countVanished() {
        vanished.increment();
    }

    public void countSetAside(long paths) {
        setAside.increment(paths);
    }

    public void countDeletesHeld(long count) {
        deletesHeld.increment(count);
    }

    public void batchPlanned(int files) {
        batchSize.record(files);
        if (backlog.getAndAdd(files) == 0 && files > 0) {
            // nothing waited until now: the stall clock starts here, not at the last file done before a quiet hour
            // (the health check said DOWN for the first moments of every change after sync.stall-timeout of quiet)
            lastProgressMillis.set(System.currentTimeMillis());
        }
    }

    public void fileDone() {
        backlog.decrementAndGet();
        lastProgressMillis.set(System.currentTimeMillis());
    }

    /**
     * S3 confirmed a request: the backlog moves, even while a single large file's parts go for longer than
     * sync.stall-timeout without any file finishing.
     */
    public void requestConfirmed() {
        lastProgressMillis.set(System.currentTimeMillis());
    }

    /** Bytes of an upload went out under s3.bandwidth-limit: a slow upload is moving, not stalled. */
    private void uploadMoving() {
        lastProgressMillis.set(System.currentTimeMillis());
    }

    public void scanned(long files, long nanos) {
        filesScanned.increment(files);
        scanDuration.record(Duration.ofNanos(nanos));
    }

    public long getUploaded() {
        return (long) uploaded.count();
    }

    public long getCopied() {
        return (long) copied.count();
    }

    public long getBytesUploaded() {
        return (long) bytesUploaded.count();
    }

    public long getDeleted() {
        return (long) deleted.count();
    }

    public long getUnchanged() {
        return (long) unchanged.count();
    }

    public long getFailed() {
        return (long) failed.values().stream().mapToDouble(Counter::count).sum();
    }

    public long getFailed(FailureKind kind) {
        return (long) failed.get(kind).count();
    }

    public long getRefused() {
        return (long) refused.count();
    }

    public long getVanished() {
        return (long) vanished.count();
    }

    public long getDeletesHeld() {
        return (long) deletesHeld.count();
    }

    public long getSetAside() {
        return (long) setAside.count();
    }

    public int getInFlight() {
        return inFlight.get();
    }

    public int getMaxInFlight() {
        return maxInFlight.get();
    }

    /** watch2s3_files_waiting as the registry reads it (NaN when the gauge lost its object). */
    public double getWaiting() {
        return gaugeValue("watch2s3.files.waiting");
    }

    /** Files planned and not yet done (the stall check's measure: not the open batch, which waits by design). */
    public long getBacklog() {
        return backlog.get();
    }

    /** watch2s3_backlog as the registry reads it: the open batch's paths and the files planned, not yet done. */
    public double getBacklogGauge() {
        return gaugeValue("watch2s3.backlog");
    }

    /** A gauge of this pair as the registry reads it: what a scrape sees (NaN when it is missing or lost its object). */
    private double gaugeValue(String name) {
        Gauge gauge = registry.find(name).tags("pair", pair).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    /** When a file last finished or S3 last confirmed a request, for the stalled-backlog health check. */
    public long getLastProgressMillis() {
        return lastProgressMillis.get();
    }

    @Override
    public String toString() {
        // copied only where there were copies: scripts read the line as it was
        return "uploaded=" + getUploaded() + (getCopied() > 0 ? " copied=" + getCopied() : "") + " deleted=" + getDeleted() + " unchanged=" + getUnchanged()
                + " failed=" + getFailed() + " refused=" + getRefused() + " vanished=" + getVanished()
                + " deletesHeld=" + getDeletesHeld();
    }
}
