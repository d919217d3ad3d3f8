package io.watch2s3.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * S3Proxy (Maven org.gaul:s3proxy, copied to target/s3proxy of the checkout by the build; the system property
 * {@code watch2s3.s3proxy.jar} names it) as its own process on 127.0.0.1. Unlike
 * S3Mock it checks request signatures, so it can refuse credentials.
 */
public final class S3ProxyProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final String identity;
    private final String credential;

    private S3ProxyProcess(Process process, int port, String identity, String credential) {
        this.process = process;
        this.port = port;
        this.identity = identity;
        this.credential = credential;
    }

    public static S3ProxyProcess start(Path dir, String identity, String credential) throws IOException {
        int port = freePort();
        Path props = dir.resolve("s3proxy.properties");
        Files.createDirectories(dir.resolve("blobs"));
        Files.write(props, List.of(
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + identity,
                "s3proxy.credential=" + credential,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + dir.resolve("blobs")));
        Path jar = Path.of(System.getProperty("watch2s3.s3proxy.jar", "target/s3proxy/s3proxy.jar")).toAbsolutePath();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--properties", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        S3ProxyProcess proxy = new S3ProxyProcess(process, port, identity, credential);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(proxy::accepts);
        return proxy;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * What a deployment of watch2s3 adds to a host's settings to sync to this server: endpoint, credentials, and a
     * state directory and a short quiet period for a test.
     */
    public java.util.Map<String, String> watch2s3Settings(Path stateDir) {
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("s3.endpoint", url());
        settings.put("s3.path-style", "true");
        settings.put("s3.checksums", "when-required"); // S3Proxy refuses the SDK's trailing checksums
        settings.put("s3.access-key", identity);
        settings.put("s3.secret-key", credential);
        settings.put("state.dir", stateDir.toString());
        settings.put("sync.quiet-period", "500ms");
        return settings;
    }

    /** A client of this server with its credentials (close it). */
    public S3Client client() {
        return S3Client.builder().endpointOverride(URI.create(url())).region(Region.US_EAST_1).forcePathStyle(true)
                // S3Proxy implements neither the SDK's trailing checksums nor checksum mode on GET
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(identity, credential)))
                .build();
    }

    /** Waits (60 s at most) until the object exists with exactly this content. */
    public void awaitObject(String bucket, String key, String content) {
        try (S3Client s3 = client()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                try {
                    return content.equals(s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toBytes())
                            .asString(StandardCharsets.UTF_8));
                } catch (NoSuchKeyException e) {
                    return false;
                }
            });
        }
    }

    private boolean accepts() {
        if (!process.isAlive()) {
            throw new IllegalStateException("S3Proxy exited with " + process.exitValue());
        }
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A TCP port on 127.0.0.1 that nothing listens on now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
