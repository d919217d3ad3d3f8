package io.watch2s3;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import io.watch2s3.local.LocalS3Endpoint;
import io.watch2s3.s3.BucketCheck;
import io.watch2s3.s3.ClientWarmUp;
import io.watch2s3.s3.S3ClientBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import io.watch2s3.change.LatestChangePerPath;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.SyncCounters;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One running watch2s3: checks what must hold before anything syncs (watch.dir readable, bucket reachable), starts
 * the local S3 endpoint when asked, then runs the routes in Camel Main with the checked settings.
 */
public final class SyncApplication implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SyncApplication.class);

    private final Settings settings;
    private final String routesPattern;
    private final String camelPropertiesLocation;
    private LocalS3Endpoint localEndpoint;
    private Main main;

    /**
     * @param routesPattern           where the routes are, e.g. {@code file:routes/*.yaml}
     * @param camelPropertiesLocation the properties file Camel reads for its own {@code camel.*} keys (may be null)
     */
    public SyncApplication(Settings settings, String routesPattern, String camelPropertiesLocation) {
        this.settings = settings;
        this.routesPattern = routesPattern;
        this.camelPropertiesLocation = camelPropertiesLocation;
    }

    /** Checks, then starts syncing; throws {@link ConfigurationException} for anything the user must fix. */
    public void start() throws Exception {
        settings.warnings().forEach(LOG::warn);
        Settings effective = prepare();
        main = new Main();
        main.configure().withRoutesIncludePattern(routesPattern);
        main.configure().withRoutesReloadEnabled(false);
        main.configure().withJmxEnabled(false);
        if (camelPropertiesLocation != null) {
            main.setPropertyPlaceholderLocations(camelPropertiesLocation);
        }
        main.setOverrideProperties(camelProperties(effective));
        ClientWarmUp.startInBackground(effective.get("s3.checksums"),
                Integer.parseInt(effective.get("sync.parallelism")));
        main.start();
        long known = main.getCamelContext().getRegistry().lookupByNameAndType("stateDatabase", StateDatabase.class)
                .count();
        LOG.info("{} {} → s3://{}/{} at {} (deletes {}, {} uploads at once, state in {}: {} files known{}{})",
                effective.flag("sync.once") ? "syncing once" : "watching", effective.watchDir(),
                effective.get("s3.bucket"), effective.get("s3.prefix"), where,
                effective.flag("sync.deletes") ? "mirrored" : "kept", effective.get("sync.parallelism"),
                effective.stateDir(), known, effective.flag("sync.dry-run") ? ", DRY RUN: nothing is changed" : "",
                managementPort > 0 ? ", health and metrics on http://" + effective.get("management.host") + ":"
                        + managementPort + "/observe/" : "");
    }

    /**
     * --once: waits until the catch-up scan ran and everything it found was synced, then stops.
     * @return true when every file was synced (nothing failed, refused or held back)
     */
    public boolean awaitOnceDone() throws InterruptedException {
        var registry = main.getCamelContext().getRegistry();
        CatchUpScan scan = registry.lookupByNameAndType("catchUpScan", CatchUpScan.class);
        LatestChangePerPath batches = registry.lookupByNameAndType("latestChangePerPath", LatestChangePerPath.class);
        SyncCounters counters = registry.lookupByNameAndType("syncCounters", SyncCounters.class);
        StateDatabase state = registry.lookupByNameAndType("stateDatabase", StateDatabase.class);
        while (!(scan.isSettled() && batches.isIdle())) {
            Thread.sleep(100);
        }
        boolean synced = counters.getFailed() == 0 && counters.getRefused() == 0 && counters.getDeletesHeld() == 0
                && scan.getLastFailure() == null && !state.isBroken();
        LOG.info("done: {}{}", counters, synced ? "" : scan.getLastFailure() != null
                ? "; the scan failed: " + scan.getLastFailure() : state.isBroken()
                ? "; the state database failed: " + state.getBrokenCause() : "; not everything was synced");
        return synced;
    }

    /**
     * Blocks until the process is told to stop (SIGTERM, Ctrl-C), then stops the routes gracefully. The signals are
     * handled here rather than by the JVM's shutdown hooks: after a hook-driven shutdown the JVM exits with 143,
     * and a service manager would count a normal stop as a failure. sun.misc.Signal is the JDK's only API for it.
     */
    public void awaitStop() throws Exception {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                LOG.info("SIG{} received: finishing what is in flight, then stopping", name);
                main.completed();
            });
        }
        main.run(); // returns once completed() was called, after stopping the Camel context
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    public LocalS3Endpoint localEndpoint() {
        return localEndpoint;
    }

    private String where;
    private int managementPort;

    private Settings prepare() {
        Path watch = settings.watchDir();
        if (!Files.isDirectory(watch)) {
            throw ConfigurationException.forKey("watch.dir", "'" + settings.get("watch.dir") + "' ("
                    + watch + ") is not an existing directory; create it or point watch.dir at the tree to mirror");
        }
        if (!Files.isReadable(watch) || !Files.isExecutable(watch)) {
            throw ConfigurationException.forKey("watch.dir", watch + " is not readable by this user");
        }
        checkManagementPort();
        Settings effective = settings;
        if (settings.localEndpoint()) {
            Path objects = settings.stateDir().resolve("local-s3");
            localEndpoint = LocalS3Endpoint.start(objects, 0, settings.get("s3.bucket"), Map.of());
            Map<String, String> local = new java.util.HashMap<>(Map.of("s3.endpoint", localEndpoint.url(),
                    "s3.path-style", "true"));
            if (settings.get("s3.access-key").isEmpty()) {
                // the local endpoint checks no signature, but the SDK wants something to sign with
                local.put("s3.access-key", "watch2s3-local");
                local.put("s3.secret-key", "watch2s3-local");
            }
            effective = settings.with(local);
            where = "the built-in local endpoint";
            LOG.info("s3.endpoint=local: built-in S3 endpoint at {} keeps the objects under {}. To sync to AWS set"
                    + " s3.endpoint= (empty) and s3.bucket; for MinIO and others set s3.endpoint to its URL.",
                    localEndpoint.url(), objects);
        } else {
            where = settings.get("s3.endpoint").isEmpty() ? "AWS (" + settings.get("s3.region") + ")"
                    : settings.get("s3.endpoint");
        }
        S3ClientBuilder client = new S3ClientBuilder();
        client.setEndpoint(effective.get("s3.endpoint"));
        client.setRegion(effective.get("s3.region"));
        client.setPathStyle(effective.flag("s3.path-style"));
        client.setAccessKey(effective.get("s3.access-key"));
        client.setSecretKey(effective.get("s3.secret-key"));
        client.setChecksums(effective.get("s3.checksums"));
        client.setRequestTimeout(effective.get("s3.request-timeout"));
        checkTarget(effective, client);
        return effective;
    }

    /**
     * Checks the bucket (one HeadBucket) unless the state database says this same endpoint, bucket and prefix were
     * checked on an earlier start: a restart then costs S3 nothing but the uploads it needs. When the target
     * changed, the state of the old one is forgotten, so that every file goes to the new one.
     */
    private void checkTarget(Settings effective, S3ClientBuilder client) {
        String target = String.join(" ", settings.localEndpoint() ? "local" : effective.get("s3.endpoint"),
                "s3://" + effective.get("s3.bucket") + "/" + effective.get("s3.prefix"));
        StateDatabase state = new StateDatabase();
        state.setDirectory(effective.get("state.dir"));
        state.setReadOnly(effective.flag("sync.dry-run"));
        state.start();
        try {
            Optional<String> known = state.target();
            if (known.isPresent() && known.get().equals(target)) {
                return;
            }
            try (S3Client s3 = client.build()) {
                if (BucketCheck.verify(s3, effective.get("s3.bucket"), effective.flag("s3.create-bucket"), where)) {
                    LOG.info("created bucket {} at {}", effective.get("s3.bucket"), where);
                }
            }
            long forgotten = state.adoptTarget(target);
            if (forgotten > 0) {
                LOG.warn("state.dir held the state of {}, not of {}: forgot its {} files, all are uploaded again",
                        known.get(), target, forgotten);
            } else if (known.isPresent() && effective.flag("sync.dry-run")) {
                LOG.warn("state.dir holds the state of {}, not of {}: this dry run compares with the old target",
                        known.get(), target);
            }
        } finally {
            state.stop();
        }
    }

    /** Camel's management server would log a stack trace and go on without it; better to say so and stop. */
    private void checkManagementPort() {
        int port = Integer.parseInt(settings.get("management.port"));
        if (port == 0) {
            return;
        }
        String host = settings.get("management.host");
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException | RuntimeException e) {
            throw ConfigurationException.forKey("management.port", host + ":" + port + " cannot be listened on ("
                    + e.getMessage() + "): another process uses it, or management.host is not an address of this"
                    + " machine; choose another port");
        }
    }

    private Properties camelProperties(Settings settings) {
        Properties props = new Properties();
        props.putAll(settings.asMap());
        managementPort = Integer.parseInt(settings.get("management.port"));
        if (managementPort > 0) {
            // Camel's own management server: /observe/health (with our checks) and /observe/metrics (Prometheus)
            props.put("camel.management.enabled", "true");
            props.put("camel.management.port", Integer.toString(managementPort));
            props.put("camel.management.host", settings.get("management.host"));
            props.put("camel.management.health-check-enabled", "true");
            props.put("camel.management.metrics-enabled", "true");
            props.put("camel.metrics.enabled", "true");
            props.put("camel.health.exposure-level", "full");
        }
        String pool = "camel.threadpool.config[uploadPool].";
        props.put(pool + "pool-size", settings.get("sync.parallelism"));
        props.put(pool + "max-pool-size", settings.get("sync.parallelism"));
        props.put(pool + "max-queue-size", "-1"); // a whole batch waits its turn; never run a part on the caller
        return props;
    }

    @Override
    public void close() {
        try {
            if (main != null) {
                main.stop();
            }
        } finally {
            if (localEndpoint != null) {
                localEndpoint.close();
            }
        }
    }
}
