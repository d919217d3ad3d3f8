package io.watch2s3;

import com.sun.net.httpserver.HttpServer;
import io.watch2s3.s3.S3ClientBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * Makes the first upload after a start as quick as the others. The first request of a fresh JVM costs about 250 ms
 * more than the next ones (class loading and first runs across the SDK's pipeline, its signer, XML and the Apache
 * HTTP client): the first changed file took 5.45 s instead of 5.2 s to reach S3, and a restart's catch-up waited for
 * it. So while Camel starts, on another thread, a client built like the real one sends one PutObject of a small file
 * to a throwaway HTTP server on 127.0.0.1 that answers 200. The real endpoint sees nothing: a restart still costs S3
 * only the uploads it needs. The JDK's own HTTP server is enough for a server that answers one request. The body
 * goes as aws2-s3 sends a small file's bytes (an InputStream of known length), and from memory: a temporary file
 * outlived a JVM that ended before this daemon thread's cleanup (407 of them in /tmp after a day of tests).
 */
public final class ClientWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(ClientWarmUp.class);

    private ClientWarmUp() {
    }

    /** Starts the warm-up on a daemon thread; failures are logged at DEBUG and change nothing else. */
    public static void startInBackground(String checksums, int parallelism) {
        Thread thread = new Thread(() -> run(checksums, parallelism), "s3-client-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** The warm-up itself, on the calling thread: true when its PutObject went through. */
    static boolean run(String checksums, int parallelism) {
        long start = System.nanoTime();
        HttpServer server = null;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                exchange.getResponseHeaders().add("ETag", // the MD5 of "warm-up"
                        "\"c6a9298b2a95c2cf055b9babcc4b0813\"");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            byte[] body = "warm-up".getBytes(StandardCharsets.UTF_8);
            S3ClientBuilder builder = new S3ClientBuilder();
            builder.setEndpoint("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
            builder.setPathStyle(true);
            builder.setAccessKey("warm-up");
            builder.setSecretKey("warm-up");
            builder.setChecksums(checksums);
            builder.setParallelism(parallelism);
            try (S3Client s3 = builder.build()) {
                s3.putObject(PutObjectRequest.builder().bucket("warm-up").key("dir/warm-up.txt")
                        .contentType("text/plain").metadata(Map.of("mtime", "1.5", "sha256", "0"))
                        .contentMD5("xqkpiyqVws8FW5urzEsIEw==").build(),
                        RequestBody.fromInputStream(new ByteArrayInputStream(body), body.length));
            }
            LOG.debug("S3 client warmed up in {} ms", (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.debug("S3 client warm-up failed (no harm done): {}", e.toString());
            return false;
        } finally {
            if (server != null) {
                server.stop(0);
            }
        }
    }
}
