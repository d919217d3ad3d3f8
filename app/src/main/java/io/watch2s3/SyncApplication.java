package io.watch2s3;

import io.watch2s3.config.BandwidthLimit;
import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import io.watch2s3.local.LocalS3Endpoint;
import io.watch2s3.camel.Pair;
import io.watch2s3.camel.Pairs;
import io.watch2s3.camel.Watch2S3Setup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import io.watch2s3.change.LatestChangePerPath;
import io.watch2s3.scan.CatchUpScan;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.stats.SyncCounters;
import org.apache.camel.CamelContext;
import org.apache.camel.component.bean.MethodNotFoundException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running watch2s3: starts the local S3 endpoint when asked, then runs the routes in Camel Main with the checked
 * settings. What must hold before anything syncs is checked by {@link Watch2S3Setup}, as in any Camel host.
 */
public final class SyncApplication implements AutoCloseable {

    /** The id of the command line's pair: its routes are main, main-catch-up, …, main-sync-file. */
    public static final String PAIR = "main";

    private static final Logger LOG = LoggerFactory.getLogger(SyncApplication.class);

    private final Settings settings;
    private final String routesPattern;
    private final String camelPropertiesLocation;
    private final Map<String, Map<String, String>> morePairs;
    private LocalS3Endpoint localEndpoint;
    private Main main;

    /**
     * @param routesPattern           where the routes are, e.g. {@code file:routes/*.yaml,file:routes/*.xml}
     * @param camelPropertiesLocation the properties file Camel reads for its own {@code camel.*} keys (may be null)
     */
    public SyncApplication(Settings settings, String routesPattern, String camelPropertiesLocation) {
        this(settings, routesPattern, camelPropertiesLocation, Map.of());
    }

    /** @param morePairs the pairs beside main, by name: their parameters (see {@link PairSettings}) */
    public SyncApplication(Settings settings, String routesPattern, String camelPropertiesLocation,
            Map<String, Map<String, String>> morePairs) {
        this.settings = settings;
        this.routesPattern = routesPattern;
        this.camelPropertiesLocation = camelPropertiesLocation;
        this.morePairs = morePairs;
    }

    /** Checks, then starts syncing; throws {@link ConfigurationException} for anything the user must fix. */
    public void start() throws Exception {
        checkManagementPort();
        Settings given = settings;
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
            given = settings.with(local);
            // S3Mock writes its index of the bucket's keys again at every new key: fine for a try, not for a site
            LOG.info("s3.endpoint=local: built-in S3 endpoint at {} keeps the objects under {}. It is for trying"
                    + " watch2s3 out and slows down as it fills (10,000 files: about 4 minutes). To sync to AWS set"
                    + " s3.endpoint= (empty) and s3.bucket; for MinIO and others set s3.endpoint to its URL.",
                    localEndpoint.url(), objects);
        }
        Map<String, String> overSystemProperties = overSystemProperties(given);
        main = new Main();
        main.configure().withRoutesIncludePattern(routesPattern);
        // the command line's own pair: the template of the route files, with the settings as host-wide properties;
        // then the pairs of its pair.<name>.<key> settings, each with its keys as parameters
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                TemplatedRouteDefinition main = templatedRoute(Pairs.TEMPLATE).routeId(PAIR);
                overSystemProperties.forEach(main::parameter);
                morePairs.forEach((name, given) -> {
                    TemplatedRouteDefinition pair = templatedRoute(Pairs.TEMPLATE).routeId(name);
                    PairSettings.parameters(name, given, settings).forEach(pair::parameter);
                });
            }
        });
        // the shipped file's camel.main.shutdown-timeout, also without a file or with one that leaves it out: Camel's
        // own 45 s outlasts the 30 s a service manager such as Kubernetes gives before SIGKILL. A file's value wins.
        main.configure().withShutdownTimeout(20);
        main.configure().withRoutesReloadEnabled(false);
        main.configure().withJmxEnabled(false);
        // every line an exchange writes carries its route id (<pair>-sync-file, …): which pair wrote it
        main.configure().withUseMdcLogging(true);
        if (camelPropertiesLocation != null) {
            main.setPropertyPlaceholderLocations(camelPropertiesLocation);
        }
        main.setOverrideProperties(camelProperties(given));
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport configured) {
                // Camel looks up an environment variable named like a placeholder (WATCH_DIR) before anything else:
                // the settings above already hold the environment in its place (below -D, above the file)
                ((PropertiesComponent) configured.getCamelContext().getPropertiesComponent())
                        .setEnvironmentVariableMode(PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_FALLBACK);
            }
        });
        if (!settings.flag("sync.once")) {
            // a watcher's first change should not pay the client's first request; --once sends its own right away,
            // and a warm-up beside it only cost CPU (0.4 s of a 500-file run)
            ClientWarmUp.startInBackground(settings.get("s3.checksums"), Integer.parseInt(settings.get("sync.parallelism")));
        }
        try {
            main.start();
        } catch (Exception e) {
            // a failed check leaves no setup bean behind either: only without one a failure is blamed on its absence
            if (ConfigurationException.foundIn(e) == null && mentions(e, "Cannot find RouteTemplate with id "
                    + Pairs.TEMPLATE)) {
                // a route file edited before watch2s3 became a template, kept across an upgrade
                throw new ConfigurationException("the routes in " + routesPattern + " define no route template "
                        + Pairs.TEMPLATE + ": copy the shipped routes/watch-to-s3.yaml and make your changes again");
            }
            MethodNotFoundException missing = ObjectHelper.getException(MethodNotFoundException.class, e);
            if (ConfigurationException.foundIn(e) == null && missing != null && missing.getBean() != null) {
                // a route file edited for an earlier version, kept across an upgrade that renamed a bean's method
                throw new ConfigurationException("the routes in " + routesPattern + " call the method "
                        + missing.getMethodName() + " of " + (missing.getBean() instanceof Class<?> type ? type
                        : missing.getBean().getClass()).getName() + ", which this"
                        + " version does not have: copy the shipped routes/watch-to-s3.yaml and make your changes"
                        + " again");
            }
            throw ConfigurationException.foundIn(e) == null && setupMissing() ? routesWithoutSetup(e) : e;
        }
        if (setupMissing()) {
            throw routesWithoutSetup(null);
        }
        for (Pair pair : pairs()) {
            logStarted(pair);
        }
    }

    /** One line per pair: what it mirrors where, and how. */
    private void logStarted(Pair pair) {
        Watch2S3Setup setup = bean(pair, Watch2S3Setup.class);
        Settings effective = setup.settings();
        long known = bean(pair, StateDatabase.class).count();
        String bandwidth = effective.get("s3.bandwidth-limit");
        LOG.info("{}{} {} → s3://{}/{} at {} (deletes {}, {} uploads at once{}, state in {}: {} files known{}{})",
                pairs().size() > 1 ? "pair " + pair.id() + ": " : "",
                effective.flag("sync.once") ? "syncing once" : "watching", effective.watchDir(),
                effective.get("s3.bucket"), effective.get("s3.prefix"), setup.where(),
                effective.flag("sync.deletes") ? "mirrored" : "kept", effective.get("sync.parallelism"),
                !BandwidthLimit.parse(bandwidth).limitsAtSomeTime() ? "" : (bandwidth.contains(",")
                        ? " limited by the timetable " + bandwidth : " sending at most " + perSecond(bandwidth))
                        + sharedWith(pair),
                effective.stateDir(), known, effective.flag("sync.dry-run") ? ", DRY RUN: nothing is changed" : "",
                managementPort > 0 ? ", health and metrics on http://" + effective.get("management.host") + ":"
                        + managementPort + "/observe/" : "");
    }

    /** The other pairs whose uploads share the host's s3.bandwidth-limit with {@code pair}'s. */
    private String sharedWith(Pair pair) {
        Pairs all = main.getCamelContext().getRegistry().findSingleByType(Pairs.class);
        List<String> sharing = all == null ? List.of() : all.takingTheHosts("s3.bandwidth-limit");
        return sharing.size() > 1 && sharing.contains(pair.id())
                ? " together with " + String.join(", ", sharing.stream().filter(id -> !id.equals(pair.id())).toList())
                : "";
    }

    /** {@code 2MB} as {@code 2MB/s}; {@code 2MB/s} as it is. */
    private static String perSecond(String rate) {
        return rate.toLowerCase(java.util.Locale.ROOT).endsWith("/s") ? rate : rate + "/s";
    }

    private static boolean mentions(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private java.util.Collection<Pair> pairs() {
        return Pairs.of(main.getCamelContext()).values();
    }

    /** A pair without its setup bean: the template's beans were edited (or come from before the bean existed). */
    private boolean setupMissing() {
        return main.getCamelContext() != null && pairs().stream().anyMatch(p -> p.bean(Watch2S3Setup.class) == null);
    }

    /** A route file from before the setup bean (an edited copy kept across an upgrade) would fail obscurely. */
    private ConfigurationException routesWithoutSetup(Exception cause) {
        ConfigurationException e = new ConfigurationException("the routes in " + routesPattern + " do not declare"
                + " the bean io.watch2s3.camel.Watch2S3Setup (initMethod checkAndPrepare), which must come first: copy"
                + " it from the shipped routes/watch-to-s3.yaml");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * --once: waits until the catch-up scan ran and everything it found was synced, then stops.
     * @return true when every file was synced (nothing failed, refused or held back)
     */
    public boolean awaitOnceDone() throws Exception {
        onStopSignal(() -> stopRequested = true);
        List<Pair> pairs = List.copyOf(pairs());
        for (Pair pair : pairs) {
            awaitSettled(pair);
        }
        if (stopRequested) {
            // the files in flight finish first, so that the lines below count them (they counted the files done
            // when the signal came, and the uploads that ended during the stop went unsaid)
            close();
        }
        boolean synced = true;
        for (Pair pair : pairs) {
            synced &= reportOnceDone(pair, pairs.size());
        }
        return synced;
    }

    /**
     * --once was told to stop (SIGTERM, Ctrl-C): the wait ends, and the stop that follows (close) lets what is in
     * flight finish. Left to Camel's shutdown hook instead, the run went on to the end of its last file, however long
     * that took, and the JVM could halt before the state database recorded it: the next run sent it again.
     */
    private volatile boolean stopRequested;
    private boolean closed;

    private void awaitSettled(Pair pair) throws InterruptedException {
        CatchUpScan scan = bean(pair, CatchUpScan.class);
        LatestChangePerPath batches = bean(pair, LatestChangePerPath.class);
        while (!(scan.isSettled() && batches.isIdle()) && !stopRequested) {
            Thread.sleep(100);
        }
    }

    /** The pair's line of a --once run; true when every file was synced. */
    private boolean reportOnceDone(Pair pair, int pairs) {
        CatchUpScan scan = bean(pair, CatchUpScan.class);
        SyncCounters counters = bean(pair, SyncCounters.class);
        StateDatabase state = bean(pair, StateDatabase.class);
        boolean synced = !stopRequested && counters.getFailed() == 0 && counters.getRefused() == 0
                && counters.getDeletesHeld() == 0
                && scan.getLastFailure() == null && !state.isBroken();
        LOG.info("{}done{}: {}{}", pairs > 1 ? "pair " + pair.id() + ": " : "",
                settings.flag("sync.dry-run") ? " (dry run: nothing was sent; what a real run would do)" : "", counters,
                synced ? ""
                : stopRequested ? "; stopped before everything was synced: the next run goes on"
                : scan.getLastFailure() != null ? "; the scan failed: " + scan.getLastFailure() : state.isBroken()
                ? "; the state database failed: " + state.getBrokenCause() : "; not everything was synced");
        return synced;
    }

    /** The pair's bean of this type, found by its type: the route file may name its beans as it likes. */
    private <T> T bean(Pair pair, Class<T> type) {
        T bean = pair.bean(type);
        if (bean == null) {
            throw new IllegalStateException("the routes in " + routesPattern + " give the pair " + pair.id()
                    + " no single bean of type " + type.getName());
        }
        return bean;
    }

    /**
     * Blocks until the process is told to stop (SIGTERM, Ctrl-C), then stops the routes gracefully. The signals are
     * handled here rather than by the JVM's shutdown hooks: after a hook-driven shutdown the JVM exits with 143,
     * and a service manager would count a normal stop as a failure. sun.misc.Signal is the JDK's only API for it.
     */
    public void awaitStop() throws Exception {
        onStopSignal(main::completed);
        main.run(); // returns once completed() was called, after stopping the Camel context
        LOG.info("stopped"); // Camel's own line says so no more (MainSupport logs at WARN)
    }

    private static void onStopSignal(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                LOG.info("SIG{} received: finishing what is in flight, then stopping", name);
                stop.run();
            });
        }
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    public LocalS3Endpoint localEndpoint() {
        return localEndpoint;
    }

    private int managementPort;

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

    /**
     * The settings whose value here is not that of the system property of the same key: what the command line
     * decided over a {@code -D} (--once over {@code -Dsync.once=false}; the built-in endpoint's URL over
     * {@code -Ds3.endpoint=local}). Camel puts system properties above every other source, the override properties
     * too, so these go to the command line's pair as its parameters as well, which are above them.
     */
    private static Map<String, String> overSystemProperties(Settings settings) {
        Map<String, String> decided = new java.util.TreeMap<>();
        settings.asMap().forEach((key, value) -> {
            String fromSystem = System.getProperty(key);
            if (fromSystem != null && !fromSystem.equals(value)) {
                decided.put(key, value);
            }
        });
        return decided;
    }

    private Properties camelProperties(Settings settings) {
        Properties props = new Properties();
        props.putAll(settings.asMap());
        if (localEndpoint != null) {
            props.put(Watch2S3Setup.LOCAL_ENDPOINT_PROPERTY, localEndpoint.url());
        }
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
        return props;
    }

    @Override
    public void close() {
        if (closed) {
            return; // a --once run told to stop closes before its last line
        }
        closed = true;
        try {
            if (main != null) {
                // the run is over: without this, Camel's JVM shutdown hook took the exit that follows (after a
                // configuration error, say) for a SIGTERM, and logged so
                main.completed();
                main.stop();
            }
        } finally {
            if (localEndpoint != null) {
                localEndpoint.close();
            }
        }
    }
}
