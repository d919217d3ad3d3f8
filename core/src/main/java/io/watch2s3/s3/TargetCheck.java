package io.watch2s3.s3;

import io.watch2s3.config.Settings;
import io.watch2s3.state.StateDatabase;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Checks the bucket (one HeadBucket) unless the state database says this same endpoint, bucket and prefix were
 * checked on an earlier start: a restart then costs S3 nothing but the uploads it needs. When the target changed,
 * the state of the old one is forgotten, so that every file goes to the new one.
 */
public final class TargetCheck {

    private static final Logger LOG = LoggerFactory.getLogger(TargetCheck.class);

    private TargetCheck() {
    }

    /**
     * @param endpointName how the endpoint is named in the state: "local" for the built-in one, whose port changes
     *                     from start to start, else s3.endpoint
     * @param where        the endpoint as the log lines name it
     */
    public static void run(Settings settings, String endpointName, String where) {
        String target = endpointName + " s3://" + settings.get("s3.bucket") + "/" + settings.get("s3.prefix");
        StateDatabase state = new StateDatabase();
        state.setDirectory(settings.get("state.dir"));
        state.setReadOnly(settings.flag("sync.dry-run"));
        state.setReportsUnfinished(false); // the pair's own start says it, once
        state.start();
        try {
            Optional<String> known = state.target();
            if (known.isPresent() && known.get().equals(target)) {
                return;
            }
            try (S3Client s3 = clientFor(settings).build()) {
                switch (BucketCheck.verify(s3, settings.get("s3.bucket"), settings.flag("s3.create-bucket"),
                        settings.flag("sync.dry-run"), where)) {
                    case CREATED -> LOG.info("created bucket {} at {}", settings.get("s3.bucket"), where);
                    case MISSING_AND_NOT_CREATED_IN_A_DRY_RUN -> LOG.warn("dry run: bucket {} does not exist at {};"
                            + " a run that is no dry run creates it (s3.create-bucket=true)", settings.get("s3.bucket"),
                            where);
                    case THERE -> { }
                }
            }
            long forgotten = state.adoptTarget(target);
            if (forgotten > 0) {
                LOG.warn("state.dir held the state of {}, not of {}: forgot its {} files, all are uploaded again",
                        known.get(), target, forgotten);
            } else if (known.isPresent() && settings.flag("sync.dry-run")) {
                LOG.warn("state.dir holds the state of {}, not of {}: this dry run compares with the old target",
                        known.get(), target);
            }
        } finally {
            state.stop();
        }
    }

    private static S3ClientBuilder clientFor(Settings settings) {
        S3ClientBuilder client = new S3ClientBuilder();
        client.setEndpoint(settings.get("s3.endpoint"));
        client.setRegion(settings.get("s3.region"));
        client.setPathStyle(settings.flag("s3.path-style"));
        client.setAccessKey(settings.get("s3.access-key"));
        client.setSecretKey(settings.get("s3.secret-key"));
        client.setChecksums(settings.get("s3.checksums"));
        client.setRequestTimeout(settings.get("s3.request-timeout"));
        return client;
    }
}
