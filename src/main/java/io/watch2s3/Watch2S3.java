package io.watch2s3;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** {@code java -jar watch2s3.jar}: reads the command line and settings, checks them, and runs the sync. */
public final class Watch2S3 {

    /** The exit code for anything the user must fix before watch2s3 can start. */
    static final int BAD_CONFIGURATION = 2;

    private Watch2S3() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
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
            Settings settings = Settings.resolve(file, System.getenv(), System.getProperties());
            String routes = Files.isDirectory(Path.of("routes")) ? "file:routes/*.yaml" : "classpath:watch2s3/routes/*.yaml";
            String camelProperties = fromFile ? "file:" + propertiesFile.toAbsolutePath() : null;
            app = new SyncApplication(settings, routes, camelProperties);
            app.start();
            app.awaitStop();
            return 0;
        } catch (ConfigurationException e) {
            System.err.println("watch2s3: " + e.getMessage());
            return BAD_CONFIGURATION;
        } catch (Exception e) {
            ConfigurationException cause = findCause(e);
            if (cause != null) {
                System.err.println("watch2s3: " + cause.getMessage());
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

    private static ConfigurationException findCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException c) {
                return c;
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
