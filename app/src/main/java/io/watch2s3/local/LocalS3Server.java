package io.watch2s3.local;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The built-in S3 endpoint on its own: {@code java -cp watch2s3.jar io.watch2s3.local.LocalS3Server PORT DIR
 * [BUCKET] [ACCESS-LOG-DIR]}. For looking at what watch2s3 uploaded with other tools, and for the benchmark, which
 * counts requests in the access log.
 */
public final class LocalS3Server {

    private LocalS3Server() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: LocalS3Server PORT DIR [BUCKET] [ACCESS-LOG-DIR]");
            System.exit(2);
        }
        Map<String, Object> extra = args.length > 3 ? LocalS3Endpoint.accessLog(Path.of(args[3])) : Map.of();
        LocalS3Endpoint endpoint = LocalS3Endpoint.start(Path.of(args[1]), Integer.parseInt(args[0]),
                args.length > 2 ? args[2] : "", extra);
        System.err.println("S3 endpoint at " + endpoint.url() + ", objects under " + endpoint.objectsDir());
        Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close));
        new CountDownLatch(1).await();
    }
}
