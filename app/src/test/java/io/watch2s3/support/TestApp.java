package io.watch2s3.support;

import io.watch2s3.SyncApplication;
import io.watch2s3.config.Settings;
import io.watch2s3.stats.SyncCounters;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** watch2s3 running in the test's JVM with the project's own route file, against a test S3 server. */
public final class TestApp implements AutoCloseable {

    private final SyncApplication app;

    private TestApp(SyncApplication app) {
        this.app = app;
    }

    /** Settings for a test: its own tree, state and bucket, a 1 s quiet period; {@code overrides} win. */
    public static Map<String, String> settings(S3TestServer server, String bucket, Path watchDir, Path stateDir) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("watch.dir", watchDir.toString());
        s.put("state.dir", stateDir.toString());
        s.put("s3.bucket", bucket);
        s.put("s3.endpoint", server.url());
        s.put("s3.path-style", "true");
        s.put("s3.access-key", "test-access");
        s.put("s3.secret-key", "test-secret");
        s.put("sync.quiet-period", "1s");
        s.put("sync.max-delay", "10s");
        s.put("sync.rescan-interval", "0");
        return s;
    }

    /**
     * With the project's route file: the YAML, or the XML twin when the build runs the behaviour tests a second time
     * against it (system property {@code watch2s3.test.routes}).
     */
    public static TestApp start(Map<String, String> settings) throws Exception {
        return start(settings, System.getProperty("watch2s3.test.routes", "file:routes/watch-to-s3.yaml"));
    }

    /** With another route file, e.g. a copy of the project's edited as a user might. */
    public static TestApp start(Map<String, String> settings, String routes) throws Exception {
        return start(settings, routes, Map.of());
    }

    /** With more pairs beside main, by name: their own parameters (what pair.<name>.<key> gives). */
    public static TestApp startWithPairs(Map<String, String> settings, Map<String, Map<String, String>> morePairs)
            throws Exception {
        return start(settings, System.getProperty("watch2s3.test.routes", "file:routes/watch-to-s3.yaml"), morePairs);
    }

    private static TestApp start(Map<String, String> settings, String routes,
            Map<String, Map<String, String>> morePairs) throws Exception {
        Properties file = new Properties();
        file.putAll(settings);
        Settings resolved = Settings.resolve(file, Map.of(), new Properties());
        SyncApplication app = new SyncApplication(resolved, routes, null, morePairs);
        try {
            app.start();
        } catch (Exception e) {
            app.close();
            throw e;
        }
        return new TestApp(app);
    }

    public SyncCounters counters() {
        return bean("syncCounters", SyncCounters.class);
    }

    public org.apache.camel.CamelContext camelContext() {
        return app.camelContext();
    }

    /** Stops the watcher, so that only a catch-up scan can find what changes next. */
    public void stopWatching() throws Exception {
        app.camelContext().getRouteController().stopRoute(SyncApplication.PAIR);
    }

    /** As with --once: waits until the start's scan and its batches are done; whether everything synced. */
    public boolean awaitOnceDone() throws Exception {
        return app.awaitOnceDone();
    }

    public <T> T bean(String name, Class<T> type) {
        return app.camelContext().getRegistry().lookupByNameAndType(name, type);
    }

    /** The same settings as -D options, for running watch2s3 as a process. */
    public static java.util.List<String> asJvmOptions(Map<String, String> settings) {
        return settings.entrySet().stream().map(e -> "-D" + e.getKey() + "=" + e.getValue()).toList();
    }

    /** A templatedRoute of watch2s3 as a user writes one; no routeId when {@code id} is null. */
    public static String pairYaml(String id, Map<String, String> parameters) {
        StringBuilder yaml = new StringBuilder("- templatedRoute:\n    routeTemplateRef: watch2s3\n");
        if (id != null) {
            yaml.append("    routeId: ").append(id).append('\n');
        }
        yaml.append("    parameters:\n");
        parameters.forEach((name, value) -> yaml.append("      - name: ").append(name).append("\n        value: \"")
                .append(value).append("\"\n"));
        return yaml.toString();
    }

    @Override
    public void close() {
        app.close();
    }
}
