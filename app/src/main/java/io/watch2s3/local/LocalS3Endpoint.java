package io.watch2s3.local;

import com.adobe.testing.s3mock.S3MockApplication;
import io.watch2s3.config.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The built-in S3 endpoint (s3.endpoint=local): Adobe S3Mock in this JVM, listening on 127.0.0.1 only, keeping its
 * objects under a directory that survives restarts. For trying watch2s3 without an AWS account, and for the tests.
 */
public final class LocalS3Endpoint implements AutoCloseable {

    private final S3MockApplication server;
    private final Path objectsDir;

    private LocalS3Endpoint(S3MockApplication server, Path objectsDir) {
        this.server = server;
        this.objectsDir = objectsDir;
    }

    /**
     * @param objectsDir where the objects are kept
     * @param port       HTTP port on 127.0.0.1, 0 for any free one
     * @param bucket     created at start if missing (empty for none)
     * @param extra      further Spring properties (tests add an access log here)
     */
    public static LocalS3Endpoint start(Path objectsDir, int port, String bucket, Map<String, Object> extra) {
        // S3Mock is a Spring Boot application with Tomcat: keep Spring Boot from re-configuring our logging, and
        // send Tomcat's java.util.logging output to the one backend (logback).
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        try {
            Files.createDirectories(objectsDir);
        } catch (IOException e) {
            throw ConfigurationException.forKey("state.dir", "cannot create the built-in endpoint's store "
                    + objectsDir + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        refuseDamagedStore(objectsDir);
        Map<String, Object> props = new HashMap<>();
        props.put("com.adobe.testing.s3mock.store.root", objectsDir.toAbsolutePath().toString());
        props.put("com.adobe.testing.s3mock.store.retain-files-on-exit", "true");
        props.put("com.adobe.testing.s3mock.http-port", port);
        props.put("server.port", 0);
        props.put("server.address", "127.0.0.1");
        props.put("spring.main.sources", LoopbackOnlyConnectors.class.getName());
        // only S3Mock's own built-in settings, never an application.properties of the working directory
        props.put("spring.config.location", "classpath:/application.properties");
        props.put("spring.main.banner-mode", "off");
        props.put("spring.main.log-startup-info", "false");
        // stopped by us, after the routes that use it, not by Spring's own shutdown hook
        props.put("spring.main.register-shutdown-hook", "false");
        props.put("spring.jmx.enabled", "false");
        if (bucket != null && !bucket.isEmpty()) {
            props.put("com.adobe.testing.s3mock.store.initial-buckets", bucket);
        }
        props.put(S3MockApplication.PROP_SILENT, true);
        props.putAll(extra);
        return new LocalS3Endpoint(S3MockApplication.start(props), objectsDir.toAbsolutePath());
    }

    /**
     * S3Mock writes a bucket's index of keys in place, at every new key: a kill -9 in the middle left it empty or cut
     * short (an outside probe: 1 kill in 6), and from then on S3Mock answered every request with HTTP 500, which
     * watch2s3 took for "S3 is not answering", for ever. Said at start instead, with what to do.
     */
    static void refuseDamagedStore(Path objectsDir) {
        try (var buckets = Files.newDirectoryStream(objectsDir, Files::isDirectory)) {
            for (Path bucket : buckets) {
                Path index = bucket.resolve("bucketMetadata.json");
                // decoded leniently: bytes that are not UTF-8 are damage to report, not a failure to read
                if (Files.isRegularFile(index)
                        && !looksWhole(new String(Files.readAllBytes(index), StandardCharsets.UTF_8))) {
                    throw ConfigurationException.forKey("s3.endpoint", "the built-in endpoint's store is damaged: "
                            + index + " is " + (Files.size(index) == 0 ? "empty" : "cut short")
                            + " (a kill while S3Mock wrote it). The built-in endpoint is for trying watch2s3 out:"
                            + " delete " + objectsDir.getParent() + " (its objects and the state that describes them)"
                            + " and start again, which uploads the tree afresh");
                }
            }
        } catch (IOException e) {
            throw ConfigurationException.forKey("state.dir", "cannot read the built-in endpoint's store "
                    + objectsDir + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    private static boolean looksWhole(String json) {
        String trimmed = json.strip();
        return trimmed.startsWith("{") && trimmed.endsWith("}");
    }

    /**
     * Spring settings that make the endpoint write Tomcat's access log to {@code dir}/access.log, one line per
     * request: {@code begin-ms end-ms status METHOD /bucket/key?query HTTP/1.1}. Tests and the benchmark count
     * requests with it.
     */
    public static Map<String, Object> accessLog(Path dir) {
        Map<String, Object> log = new HashMap<>();
        log.put("server.tomcat.accesslog.enabled", "true");
        log.put("server.tomcat.accesslog.directory", dir.toAbsolutePath().toString());
        log.put("server.tomcat.accesslog.prefix", "access");
        log.put("server.tomcat.accesslog.suffix", ".log");
        log.put("server.tomcat.accesslog.file-date-format", "");
        log.put("server.tomcat.accesslog.rotate", "false");
        log.put("server.tomcat.accesslog.buffered", "false");
        log.put("server.tomcat.accesslog.pattern", "%{begin:msec}t %{end:msec}t %s %r");
        return log;
    }

    public int port() {
        return server.getHttpPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public Path objectsDir() {
        return objectsDir;
    }

    @Override
    public void close() {
        server.stop();
    }
}
