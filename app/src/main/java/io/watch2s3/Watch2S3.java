package io.watch2s3;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** {@code java -jar watch2s3.jar}: reads the command line and settings, checks them, and runs the sync. */
public final class Watch2S3 {

    /** The exit code for anything the user must fix before watch2s3 can start. */
    static final int BAD_CONFIGURATION = 2;

    private Watch2S3() {
    }

    public static void main(String[] args) {
        System.exit(Utf8Locale.namesAreUtf8() ? run(args) : Utf8Locale.relaunch());
    }

    static int run(String... args) {
        CommandLine commandLine;
        try {
            commandLine = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("watch2s3: " + e.getMessage());
            return BAD_CONFIGURATION;
        }
        if (commandLine.help()) {
            System.out.print(CommandLine.USAGE);
            return 0;
        }
        if (commandLine.version()) {
            System.out.println("watch2s3 " + version());
            return 0;
        }
        SyncApplication app = null;
        try {
            Path propertiesFile = commandLine.propertiesFile() != null ? commandLine.propertiesFile()
                    : Path.of("application.properties");
            if (commandLine.propertiesFile() != null && !Files.isReadable(propertiesFile)) {
                throw new ConfigurationException("--properties: cannot read " + propertiesFile);
            }
            boolean fromFile = Files.isReadable(propertiesFile);
            Properties file = fromFile ? Settings.read(propertiesFile) : builtInProperties();
            Properties system = System.getProperties();
            if (commandLine.once() || commandLine.dryRun()) {
                system = new Properties(system);
                system.putAll(modeSettings(commandLine));
            }
            Settings settings = Settings.resolve(file, System.getenv(), system);
            checkShutdownTimeout(file, system);
            if (settings.get("log.format").equals("json")) {
                // chosen before the first log line: logback reads this when it starts
                System.setProperty("logback.configurationFile", "watch2s3/logback-json.xml");
            }
            Map<String, Map<String, String>> morePairs = PairSettings.from(file, system);
            List<String> secrets = new ArrayList<>(List.of(settings.get("s3.secret-key")));
            morePairs.values().forEach(pair -> secrets.add(pair.get("s3.secret-key")));
            SecretsKeptOutOfLogs.install(secrets);
            JitDirectives.apply();
            // The built-in route is named exactly: a wildcard makes Camel walk the whole class path (a 58 MB jar),
            // twice, which cost 1.6 s of every start.
            String routes = Files.isDirectory(Path.of("routes")) ? "file:routes/*.yaml,file:routes/*.xml"
                    : "classpath:watch2s3/routes/watch-to-s3.yaml";
            String camelProperties = fromFile ? "file:" + propertiesFile.toAbsolutePath() : null;
            app = new SyncApplication(settings, routes, camelProperties, morePairs);
            app.start();
            if (settings.flag("sync.once")) {
                return app.awaitOnceDone() ? 0 : 1;
            }
            app.awaitStop();
            return 0;
        } catch (ConfigurationException e) {
            System.err.println("watch2s3: " + e.getMessage());
            return BAD_CONFIGURATION;
        } catch (Exception e) {
            ConfigurationException cause = ConfigurationException.foundIn(e);
            if (cause != null) {
                System.err.println("watch2s3: " + cause.getMessage());
                return BAD_CONFIGURATION;
            }
            String camelKey = camelKeyRefused(e);
            if (camelKey != null) {
                System.err.println("watch2s3: " + camelKey);
                return BAD_CONFIGURATION;
            }
            System.err.println("watch2s3: could not start: " + causes(e));
            return 1;
        } finally {
            if (app != null) {
                app.close();
            }
        }
    }

    /**
     * camel.main.shutdown-timeout decides how long SIGTERM waits for the uploads in flight. Camel binds it only when it
     * is a number and keeps its own value without a word otherwise ('abc', '20s': an outside probe).
     */
    private static void checkShutdownTimeout(Properties file, Properties system) {
        String key = "camel.main.shutdown-timeout";
        String value = system.getProperty(key, file.getProperty(key));
        if (value != null && !value.trim().matches("[0-9]{1,6}")) {
            throw new ConfigurationException(key + ": '" + value.trim() + "' is not a whole number of seconds (the"
                    + " shipped file has 20)");
        }
    }

    /** --once and --dry-run as settings: sync.once, sync.dry-run. */
    private static Properties modeSettings(CommandLine commandLine) {
        Properties mode = new Properties();
        mode.put("sync.once", "true");
        if (commandLine.dryRun()) {
            mode.put("sync.dry-run", "true");
        }
        return mode;
    }

    /**
     * A camel.* key of the properties file that Camel could not bind (camel.main.shutdown-timout, or a value of the
     * wrong type): one line naming it, as for watch2s3's own keys, instead of Camel's exception; null for other errors.
     */
    private static String camelKeyRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.camel.PropertyBindingException binding && binding.getPropertyName() != null) {
                // Camel names the option in camel case (shutdownTimout); the file has it in kebab case
                String option = (binding.getOptionKey() != null ? binding.getOptionKey() : binding.getPropertyName())
                        .replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
                String key = (binding.getOptionPrefix() == null ? "" : binding.getOptionPrefix()) + option;
                Throwable reason = binding.getCause();
                return key + ": " + (reason == null ? "unknown option, or a value it cannot take ('"
                        + binding.getValue() + "')" : "cannot take '" + binding.getValue() + "' ("
                        + reason.getClass().getSimpleName() + ": " + reason.getMessage() + ")");
            }
        }
        return null;
    }

    /** The messages of an exception and its causes, one line, for errors nobody planned for. */
    private static String causes(Throwable e) {
        StringBuilder line = new StringBuilder(String.valueOf(e));
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            line.append(" <- ").append(t);
        }
        return line.toString();
    }

    private static Properties builtInProperties() {
        Properties properties = new Properties();
        try (InputStream in = Watch2S3.class.getResourceAsStream("/watch2s3/application.properties")) {
            if (in != null) {
                properties.load(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the built-in application.properties: " + e.getMessage());
        }
        return properties;
    }

    static String version() {
        String v = Watch2S3.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }
}
