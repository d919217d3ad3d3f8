package io.watch2s3.karaf;

import io.watch2s3.camel.Pairs;
import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.karaf.core.OsgiDefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * watch2s3 in Karaf: one CamelContext with the core's route file, the settings of {@code etc/io.watch2s3.cfg} and its
 * pairs: the pair {@code watch2s3} when that file sets {@code watch.dir}, and the {@code templatedRoute}s of
 * {@code etc/watch2s3-pairs.yaml}. Karaf has no Camel Main to load a YAML route file, so this bundle does what Camel
 * Main does for the other hosts. The context is camel-karaf's {@link OsgiDefaultCamelContext}: a plain one would not
 * find the components, languages and the YAML loader, which live in other bundles.
 */
public final class KarafHost implements BundleActivator {

    /** The settings of every pair (the keys of the README's configuration table), in Karaf's etc/. */
    public static final String SETTINGS_FILE = "io.watch2s3.cfg";
    /** More pairs, as in any Camel host: templatedRoutes of the template watch2s3. */
    public static final String PAIRS_FILE = "watch2s3-pairs.yaml";
    /** The pair that etc/io.watch2s3.cfg describes by itself. */
    public static final String PAIR = "watch2s3";

    private static final Logger LOG = LoggerFactory.getLogger(KarafHost.class);
    private static final String ROUTE_FILE = "watch2s3/routes/watch-to-s3.yaml";
    /** The pair of etc/io.watch2s3.cfg: its settings are the context's properties, so it needs no parameter. */
    private static final String ONE_PAIR = """
            - templatedRoute:
                routeTemplateRef: %s
                routeId: %s
            """.formatted(Pairs.TEMPLATE, PAIR);

    private volatile CamelContext camel;

    @Override
    public void start(BundleContext bundle) throws Exception {
        Path etc = Path.of(System.getProperty("karaf.etc", "etc"));
        Path settingsFile = etc.resolve(SETTINGS_FILE);
        Properties settings = Files.isRegularFile(settingsFile) ? Settings.read(settingsFile) : new Properties();
        Path pairs = etc.resolve(PAIRS_FILE);
        boolean onePair = settings.containsKey("watch.dir");
        if (!onePair && !Files.isRegularFile(pairs)) {
            LOG.warn("watch2s3: nothing to mirror yet: set watch.dir and s3.bucket in {}, or add pairs to {}",
                    settingsFile, pairs);
            return;
        }
        OsgiDefaultCamelContext context = new OsgiDefaultCamelContext(bundle);
        context.getCamelContextExtension().setName("watch2s3");
        context.getPropertiesComponent().setInitialProperties(settings);
        // each line written inside a route carries its id, which begins with the pair's name
        context.setUseMDCLogging(true);
        try {
            List<Resource> routes = new ArrayList<>();
            routes.add(routeFile());
            if (onePair) {
                routes.add(ResourceHelper.fromString("watch2s3-pair.yaml", ONE_PAIR));
            }
            if (Files.isRegularFile(pairs)) {
                routes.add(PluginHelper.getResourceLoader(context).resolveResource("file:" + pairs));
            }
            PluginHelper.getRoutesLoader(context).loadRoutes(routes.toArray(Resource[]::new));
            context.start();
            camel = context;
        } catch (Exception e) {
            context.stop();
            // Karaf's shell shows only the BundleException's own message: it must say what is wrong
            ConfigurationException setting = ConfigurationException.foundIn(e);
            if (setting != null) {
                // the one line a wrong setting deserves, as the command line prints it
                LOG.error("watch2s3 cannot start: {}", setting.getMessage());
                throw new BundleException("watch2s3 cannot start: " + setting.getMessage(), setting);
            }
            String why = firstLine(e) + (rootOf(e) == e ? "" : ": " + firstLine(rootOf(e)));
            LOG.error("watch2s3 cannot start: {}", why, e);
            throw new BundleException("watch2s3 cannot start: " + why, e);
        }
    }

    private static Throwable rootOf(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /** A parser's message goes on with the offending text: its first line names the problem. */
    private static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        return message.lines().findFirst().orElse(e.getClass().getName());
    }

    @Override
    public void stop(BundleContext bundle) {
        CamelContext context = camel;
        camel = null;
        if (context != null) {
            context.stop();
        }
    }

    /** The route file is a resource of the core bundle, which other bundles' class loaders cannot see. */
    private static Resource routeFile() throws IOException {
        try (InputStream in = Pairs.class.getClassLoader().getResourceAsStream(ROUTE_FILE)) {
            if (in == null) {
                throw new IOException("the watch2s3 core bundle has no " + ROUTE_FILE);
            }
            return ResourceHelper.fromBytes(ROUTE_FILE, in.readAllBytes());
        }
    }
}
