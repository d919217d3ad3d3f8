package io.watch2s3.camel;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Setting;
import io.watch2s3.config.Settings;
import io.watch2s3.s3.TargetCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.component.properties.DefaultPropertiesParser;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.PropertiesResolvedValue;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the routes need from the Camel context they run in, and what must hold before they start. It is the first
 * bean of the route file, so it runs wherever the routes are loaded (the watch2s3 command line, a Camel Main or a
 * Camel Spring Boot host: see hosts/) before any other bean is created: every setting checked (one line naming the
 * key), a default for every key the host does not set, the {@code uploadPool} of sync.parallelism threads, watch.dir
 * readable, and the bucket checked once per endpoint, bucket and prefix.
 */
public class Watch2S3Setup implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(Watch2S3Setup.class);

    /**
     * Set by the watch2s3 command line when it runs its built-in endpoint for {@code s3.endpoint=local} and gives
     * that endpoint's URL as s3.endpoint; the state knows the target as "local", as its port changes at every start.
     */
    public static final String LOCAL_ENDPOINT_PROPERTY = "watch2s3.local-endpoint";

    /** The thread pool profile a pair's split uploads with: {@code <pair>-uploads}. */
    public static final String UPLOAD_POOL_SUFFIX = "-uploads";

    /** The thread pool profile a pair's closed batches of many paths run on: {@code <pair>-batches}. */
    public static final String BATCH_POOL_SUFFIX = "-batches";

    /** The thread pool profile a pair's closed batches of a few paths run on: {@code <pair>-quick-batches}. */
    public static final String QUICK_BATCH_POOL_SUFFIX = "-quick-batches";

    /**
     * Big batches synced side by side (BatchLanes): a small one (a one-line fix) does not wait for a big one (a
     * deploy), and the uploads of all of them share the pair's upload pool. The queues are not bounded here:
     * BatchLanes bounds the big lane's and sets aside what does not fit, and a quick batch closes at most once per
     * quiet period (or per scan).
     */
    static final int BATCHES_AT_ONCE = 4;

    /**
     * Quick batches synced side by side. More than big ones: a quick batch is held for as long as its slowest upload
     * takes (a large file copied in on its own, over a slow uplink), and a one-line fix must still find a thread free
     * beside several of them. The threads are made when needed and go after a minute idle.
     */
    static final int QUICK_BATCHES_AT_ONCE = 16;

    /** A host has no built-in endpoint: there the default target is AWS. */
    private static final Map<String, String> HOST_DEFAULTS = Map.of("s3.endpoint", "");

    private CamelContext context;
    private Settings settings;
    private String where;

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    /** The bean's init method: throws {@link ConfigurationException} for anything the user must fix. */
    public void checkAndPrepare() {
        String pair = context.getPropertiesComponent().resolveProperty(Pairs.PAIR_PARAMETER).orElse(Pairs.TEMPLATE);
        try {
            checkAndPrepare(pair);
        } catch (ConfigurationException e) {
            // with several pairs, the line says whose key it is (watch.dir of docs, not of the others), unless it names
            // the pairs already (two pairs on one state.dir, or one bucket and prefix)
            Pairs pairs = context.getRegistry().findSingleByType(Pairs.class);
            if (pairs != null && pairs.all().size() > 1 && !e.getMessage().contains(": pairs ")) {
                throw new ConfigurationException("pair " + pair + ": " + e.getMessage());
            }
            throw e;
        }
    }

    private void checkAndPrepare(String pair) {
        PropertiesComponent properties = context.getPropertiesComponent();
        Properties given = new Properties();
        for (Setting setting : Settings.CONTRACT) {
            properties.resolveProperty(setting.key()).ifPresent(value -> given.setProperty(setting.key(), value));
        }
        Properties written = properties.loadProperties();
        // management.* and log.* belong to the host as well (Spring Boot's management.endpoints…): not ours to judge
        Settings.rejectUnknownKeys(written.stringPropertyNames().stream()
                .filter(key -> !key.startsWith("management.") && !key.startsWith("log.")).toList(),
                "the Camel properties");
        prefixAsWritten(properties, written).forEach(asWritten -> Settings.checkAsWritten("s3.prefix", asWritten));
        Settings resolved = Settings.resolve(given, Map.of(), new Properties(), HOST_DEFAULTS);
        Settings.environmentWarnings(System.getenv()).forEach(LOG::warn);
        for (Setting setting : Settings.CONTRACT) {
            if (!given.containsKey(setting.key())) {
                // a host sets watch.dir and s3.bucket; the route's other placeholders find their defaults here
                properties.addInitialProperty(setting.key(), resolved.get(setting.key()));
            }
        }
        checkWatchDir(resolved);
        String endpointName;
        if (resolved.localEndpoint()) {
            throw ConfigurationException.forKey("s3.endpoint", "'local' is the built-in endpoint of the watch2s3"
                    + " command line, which this Camel host does not run; set s3.endpoint to your S3 server's URL,"
                    + " or leave it empty for AWS");
        }
        if (resolved.get("s3.endpoint").equals(properties.resolveProperty(LOCAL_ENDPOINT_PROPERTY).orElse(null))) {
            endpointName = "local"; // its port changes from start to start; the state knows it as "local"
            where = "the built-in local endpoint";
        } else {
            endpointName = resolved.get("s3.endpoint");
            where = endpointName.isEmpty() ? "AWS (" + resolved.get("s3.region") + ")" : endpointName;
        }
        Pairs pairs = context.getRegistry().findSingleByType(Pairs.class);
        if (pairs != null) {
            pairs.claimStateDirectory(pair, resolved.stateDir());
            pairs.claimTarget(pair, endpointName, resolved);
        }
        int parallelism = Integer.parseInt(resolved.get("sync.parallelism"));
        // Files are handed over, never queued: when every upload thread is busy, the thread that hands a file over
        // uploads it itself (CallerRuns), so every running batch moves on, a one-line fix's among a burst's
        registerPool(context, pair + UPLOAD_POOL_SUFFIX, parallelism, 0, ThreadPoolRejectedPolicy.CallerRuns);
        // Closed batches wait in a queue (BatchLanes bounds it), never on the thread that closed them (the
        // aggregator's only one, which hands every batch to its lane)
        registerPool(context, pair + BATCH_POOL_SUFFIX, BATCHES_AT_ONCE, Integer.MAX_VALUE,
                ThreadPoolRejectedPolicy.Abort);
        registerPool(context, pair + QUICK_BATCH_POOL_SUFFIX, QUICK_BATCHES_AT_ONCE, Integer.MAX_VALUE,
                ThreadPoolRejectedPolicy.Abort);
        TargetCheck.run(resolved, endpointName, where);
        settings = resolved;
    }

    /** The checked settings in effect; null before {@link #checkAndPrepare()}. */
    public Settings settings() {
        return settings;
    }

    /** The S3 endpoint as log lines name it. */
    public String where() {
        return where;
    }

    /**
     * The prefix as its sources hold it, before placeholders inside it were expanded (resolving would let another
     * setting, a secret, become part of every object key): Camel's own sources keep it as written, and a host's
     * parser with a lookup of its own (Spring Boot's environment) is asked directly, as Camel does not record it.
     */
    private static List<String> prefixAsWritten(PropertiesComponent properties, Properties written) {
        List<String> found = new ArrayList<>();
        Optional.ofNullable(written.getProperty("s3.prefix")).ifPresent(found::add);
        properties.getResolvedValue("s3.prefix").map(PropertiesResolvedValue::originalValue).ifPresent(found::add);
        if (properties instanceof org.apache.camel.component.properties.PropertiesComponent component
                && component.getPropertiesParser() instanceof DefaultPropertiesParser parser) {
            Optional.ofNullable(parser.customLookup("s3.prefix")).ifPresent(found::add);
        }
        return found;
    }

    private static void checkWatchDir(Settings settings) {
        Path watch = settings.watchDir();
        if (!Files.isDirectory(watch)) {
            throw ConfigurationException.forKey("watch.dir", "'" + settings.get("watch.dir") + "' (" + watch
                    + ") is not an existing directory; create it or point watch.dir at the tree to mirror");
        }
        if (!Files.isReadable(watch) || !Files.isExecutable(watch)) {
            throw ConfigurationException.forKey("watch.dir", watch + " is not readable by this user");
        }
    }

    /**
     * A fixed pool of {@code threads}. A {@code queue} of 0 hands each task straight to a thread (Camel 4.17 turns any
     * maxQueueSize of 0 or less into a SynchronousQueue: -1 does not mean unbounded); Integer.MAX_VALUE queues without
     * bound. A host may configure the pool first (camel.threadpool.config[<pair>-uploads]): then that is kept.
     */
    private static void registerPool(CamelContext context, String name, int threads, int queue,
            ThreadPoolRejectedPolicy whenFull) {
        if (context.getExecutorServiceManager().getThreadPoolProfile(name) != null) {
            return;
        }
        ThreadPoolProfile pool = new ThreadPoolProfileBuilder(name).poolSize(threads).maxPoolSize(threads)
                .maxQueueSize(queue).rejectedPolicy(whenFull).keepAliveTime(60L).allowCoreThreadTimeOut(true).build();
        context.getExecutorServiceManager().registerThreadPoolProfile(pool);
    }
}
