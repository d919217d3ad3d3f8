package io.watch2s3.change;

/**
 * What one file needs, decided once by {@link FilePlanner} from the disk and the state database; the route then only
 * dispatches on it. While the request runs the plan rides along as the exchange property {@link #PROPERTY} (the body
 * is then the request's), so the steps after S3's answer know what S3 confirmed.
 */
public sealed interface FilePlan {

    /** The exchange property that holds the plan of the file whose request is under way. */
    String PROPERTY = "Watch2S3Plan";

    String path();

    /**
     * Send the file's content: S3 does not hold it yet. {@code firstSeenMillis} feeds the latency metric.
     * {@code content}: the bytes that were hashed, when the file is small enough to be sent from memory; null: sent
     * from disk. Held only while the file's turn lasts (never remembered with the fingerprint).
     */
    record Upload(String path, Fingerprint fingerprint, long firstSeenMillis, byte[] content) implements FilePlan {
    }

    /**
     * Have S3 copy the object of {@code sourcePath}, which holds exactly this content (see CopySources), to the
     * file's key; when S3 cannot, the file is sent as {@code upload} says.
     */
    record Copy(Upload upload, String sourcePath) implements FilePlan {
        @Override
        public String path() {
            return upload.path();
        }
    }

    /** Delete the object of a path that holds no file any more. */
    record Delete(String path, long firstSeenMillis) implements FilePlan {
    }

    /** S3 already holds exactly this content: no request. */
    record Unchanged(String path) implements FilePlan {
    }

    /** Nothing to do, for {@code reason}: the file vanished meanwhile, or came back before its delete. */
    record Skip(String path, String reason) implements FilePlan {
    }
}
