package io.watch2s3.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * S3Proxy (Maven org.gaul:s3proxy, copied to target/s3proxy by the build) as its own process on 127.0.0.1. Unlike
 * S3Mock it checks request signatures, so it can refuse credentials.
 */
public final class S3ProxyProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private S3ProxyProcess(Process process, int port) {
        this.process = process;
        this.port = port;
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
        Path jar = Path.of("target/s3proxy/s3proxy.jar").toAbsolutePath();
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--properties", props.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        S3ProxyProcess proxy = new S3ProxyProcess(process, port);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(proxy::accepts);
        return proxy;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
