package io.watch2s3.sync;

import io.watch2s3.change.PathFilter;
import io.watch2s3.failure.Failure;
import io.watch2s3.health.S3RequestEvents;
import io.watch2s3.log.LogSafe;
import io.watch2s3.s3.FlexibleChecksums;
import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.s3.S3ClientBuilder;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.tree.FileStat;
import io.watch2s3.tree.TreeFileStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Sends a file larger than s3.part-size as a multipart upload: the object's headers and user metadata (the same as a
 * single PUT's, which {@link ObjectRequests} set on the message), then the parts, each streamed
 * from disk and checked by S3 (a CRC32 per part, or Content-MD5 with s3.checksums=when-required), four at a time, then
 * the completion. Before completing, the file is looked at once more: if it changed while its parts went (size, mtime or
 * ctime), the upload is not completed, so S3 never holds a mix of two versions.
 *
 * <p>Once watch2s3 stops, no part begins: the parts in flight end, and the next start goes on with the upload.
 *
 * <p>The same upload carries a server-side copy larger than one CopyObject takes ({@link #copyParts}): S3 copies each
 * part from the object that holds the content, and the file's upload takes over the parts it did not copy.
 *
 * <p>A failed part fails the file's exchange like any failed request, and the route's error handler sends it again:
 * the upload goes on from the part that failed, with the parts S3 already holds kept (in the exchange property
 * {@link #PROGRESS}). When the file's turn ends without the upload completed (given up, or the file changed), the
 * upload is aborted ({@link #abortUnfinished}), so its parts do not stay in the bucket; the state database remembers
 * every upload under way. One that a crash or a stop (SIGTERM, a restart) cut short is not lost: when the file is
 * still as it was, the next start goes on with it, sending only the parts S3 does not hold (a 10 GB file over a slow
 * uplink is not sent again from its first byte); else it is aborted ({@link #resumeOrAbortLeftovers}).
 *
 * <p>Written on the S3 client rather than with camel-aws2-s3's {@code multiPartUpload}: in 4.17 that drops the user
 * metadata (mtime, sha256), ignores Content-MD5 and cannot send a failed part again (it aborts the whole upload). The
 * SDK's own multipart helpers need its asynchronous client, a second HTTP stack (Netty or the CRT) beside the one the
 * route uses.
 */
public class PartedUploads implements CamelContextAware {

    /** The exchange property that holds an upload under way: its id and the parts S3 confirmed. */
    static final String PROGRESS = "Watch2S3Parts";

    /** The exchange property with the bytes of the parts a run left in S3, when its upload was gone on with. */
    static final String BYTES_LEFT_IN_S3 = "Watch2S3BytesLeftInS3";

    /** The exchange property with the bytes of the parts S3 copied before a copy in parts was given up for an upload. */
    static final String BYTES_COPIED_IN_S3 = "Watch2S3BytesCopiedInS3";

    /**
     * Parts of one file in flight at once: one connection alone seldom carries all a link can. They come on top of
     * sync.parallelism, which counts files; the S3 client's pool has a connection for each.
     */
    static final int PARTS_AT_ONCE = S3ClientBuilder.PARTS_AT_ONCE_PER_FILE;

    private static final Logger LOG = LoggerFactory.getLogger("io.watch2s3.sync");

    private CamelContext camelContext;
    private ExecutorService partSenders;
    private StateDatabase state;
    private Path root;
    private String sse = "";
    private String kmsKeyId = "";
    /** The uploads the last run left, kept for their files' uploads to go on with (none in a dry run). */
    private LeftUploads leftUploads;

    private S3Client client;
    private String bucket;
    private FlexibleChecksums checksums = new FlexibleChecksums();
    private boolean dryRun;
    private S3RequestEvents requests;
    private PathFilter filter;
    private ObjectKeys keys;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    public void setClient(S3Client client) {
        this.client = client;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket.trim();
    }

    /**
     * The pair's choice of checksums (s3.checksums): while flexible ones are in use each part carries a CRC32 the SDK
     * computes, else its Content-MD5. Decided per upload, when it begins: S3 wants every part of an upload begun with
     * CRC32 to carry one.
     */
    public void setFlexibleChecksums(FlexibleChecksums checksums) {
        this.checksums = checksums;
    }

    /** sync.dry-run: nothing is sent. */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /** Remembers each upload under way until it is completed or aborted: a crash leaves no parts behind for good. */
    public void setState(StateDatabase state) {
        this.state = state;
    }

    /** watch.dir: an upload a run left is gone on with only for a file that is still as it was. */
    public void setRoot(String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
    }

    /** s3.sse and s3.kms-key-id, which the S3 client adds: an upload begun with others is not gone on with. */
    public void setSse(String sse) {
        this.sse = sse == null ? "" : sse.trim();
    }

    public void setKmsKeyId(String kmsKeyId) {
        this.kmsKeyId = kmsKeyId == null ? "" : kmsKeyId.trim();
    }

    /** Counts each request in flight and tells S3Health how it went, as for the route's own requests. */
    public void setRequests(S3RequestEvents requests) {
        this.requests = requests;
    }

    /**
     * sync.include and sync.exclude: an upload a run left for a file that is excluded now is aborted at start. Kept,
     * it waited for an upload of the file that never came, and its parts stayed in the bucket (billed) for good.
     */
    public void setFilter(PathFilter filter) {
        this.filter = filter;
    }

    /** s3.prefix: an upload a run left under another key than the file's now (the prefix changed) is aborted too. */
    public void setKeys(ObjectKeys keys) {
        this.keys = keys;
    }

    /** Sends the file's parts that S3 does not hold yet, and completes the upload. */
    public void sendParts(Exchange exchange, @Body FileInParts file) throws IOException {
        if (dryRun) {
            LOG.debug("dry run: the {} parts of this upload are not sent", file.parts());
            return;
        }
        Upload upload = finishOrBeginAnew(exchange, file, this::sendPart);
        if (upload.resumed) {
            exchange.setProperty(BYTES_LEFT_IN_S3, upload.bytesLeftInS3);
        }
        if (upload.bytesCopied.get() > 0) {
            exchange.setProperty(BYTES_COPIED_IN_S3, upload.bytesCopied.get());
        }
    }

    /**
     * Has S3 copy the file's content from {@code sourceKey}, an object that holds it, to the file's key as a multipart
     * upload whose parts S3 copies (UploadPartCopy): a file larger than one CopyObject takes (5GB). The parts are those
     * the file's upload would have, so that the object is the one that upload makes (metadata, ETag). Each copied part
     * is checked against the file's bytes ({@link CopiedParts}). {@code THE_FILE} when the object is complete; else
     * what the part that stopped the copy holds, and the upload stays on the exchange with the parts that were
     * checked: the file's upload ({@link #sendParts}) sends only the others. A part S3 refuses to copy (4xx) is thrown.
     */
    public ServerSideCopies.Holds copyParts(Exchange exchange, FileInParts file, String sourceKey, boolean etagIsMd5)
            throws IOException {
        CopiedParts copier = new CopiedParts(client, bucket, requests, sourceKey, etagIsMd5);
        try {
            finishOrBeginAnew(exchange, file, copier::copy);
            return ServerSideCopies.Holds.THE_FILE;
        } catch (CopiedParts.NotCopied e) {
            if (e.refusal() != null) {
                throw e.refusal();
            }
            return e.holds();
        }
    }

    /**
     * Sends with {@code sender} the parts of the exchange's upload (begun now, or gone on with) that S3 does not hold,
     * and completes it; an upload S3 no longer has is begun anew, once.
     */
    private Upload finishOrBeginAnew(Exchange exchange, FileInParts file, PartSender sender) throws IOException {
        Message message = exchange.getMessage();
        String key = ObjectRequests.keyOf(message);
        Upload upload = exchange.getProperty(PROGRESS, Upload.class);
        if (upload == null || !upload.isOf(key, file)) {
            upload = begin(message, key, file);
            exchange.setProperty(PROGRESS, upload);
        }
        try {
            finish(upload, sender);
        } catch (S3Exception e) {
            if (!isGone(e, upload)) {
                throw e;
            }
            // the upload is gone (a lifecycle rule for incomplete uploads aborted a slow one): once more, anew; a 404
            // otherwise counts as S3 refusing the file, which is then not sent again until it changes
            exchange.removeProperty(PROGRESS);
            if (upload.resumed) {
                abortIfThere(upload); // a server that says NoSuchKey may still keep its parts
            }
            forget(upload);
            upload = begin(message, key, file);
            exchange.setProperty(PROGRESS, upload);
            finish(upload, sender);
        }
        exchange.removeProperty(PROGRESS);
        forget(upload);
        return upload;
    }

    /**
     * Called when the file's turn ends: an upload still under way then will never be completed, and is aborted. Unless
     * watch2s3 is stopping: then it stays remembered, and the next start goes on with it if the file is unchanged.
     */
    public void abortUnfinished(Exchange exchange) {
        Upload upload = exchange.getProperty(PROGRESS, Upload.class);
        if (upload == null) {
            return;
        }
        exchange.removeProperty(PROGRESS);
        if (exchange.getContext().isStopping()) {
            LOG.info("stopping: {} of the {} parts of {} are in S3; the next start goes on with its upload if the file"
                    + " is unchanged", upload.done.size(), upload.file.parts(), LogSafe.name(upload.file.path()));
            return;
        }
        try {
            abort(upload.file.path(), upload.key, upload.id);
            forget(upload);
        } catch (RuntimeException e) {
            // S3 or the state database fails: the next start tries again
            LOG.debug("the unfinished multipart upload of {} could not be aborted: {}", upload.file.path(),
                    Failure.describe(e));
        }
    }

    /**
     * initMethod: the multipart uploads a run left unfinished (kill -9, power loss, a stop during an upload). One whose
     * file is still there as it was, and not recorded as synced since, is kept: the file's upload goes on with it
     * ({@link #sendParts}). The others are aborted, so that their parts do not stay in the bucket. Stops aborting at
     * the first that gets no answer: S3 is not there, the next start tries again. Never keeps watch2s3 from starting.
     */
    public void resumeOrAbortLeftovers() {
        if (dryRun) {
            return;
        }
        leftUploads = new LeftUploads(client, bucket, requests, state, root, this::wouldUpload);
        leftUploads.keepOrAbortAll();
    }

    /**
     * S3 holds the bytes of the file at {@code path} under {@code key} already (see ObjectHeads): an upload of it a
     * run left, kept for it to go on with, is aborted.
     */
    public void notNeeded(String path, String key) {
        if (leftUploads != null) {
            leftUploads.notNeeded(path, key);
        }
    }

    /** Whether this run would upload the file at {@code path} to {@code key}: its upload may go on with one left. */
    private boolean wouldUpload(String path, String key) {
        return (filter == null || filter.accepts(path))
                && (keys == null || keys.keyFor(path).filter(key::equals).isPresent());
    }

    /** The file at {@code path} (null: none of this run's) no longer needs upload {@code id} of {@code key}. */
    private void abort(String path, String key, String id) {
        requests.counted(path, () -> client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(id)));
    }

    private void abortIfThere(Upload upload) {
        try {
            abort(upload.file.path(), upload.key, upload.id);
        } catch (RuntimeException e) {
            LOG.debug("the left multipart upload of {} is gone or cannot be aborted: {}", upload.file.path(),
                    Failure.describe(e));
        }
    }

    private void forget(Upload upload) {
        try {
            state.forgetUnfinishedUpload(upload.id);
        } catch (RuntimeException e) {
            // the upload is done; the next start aborts it once more, and S3 answers NoSuchUpload
            LOG.debug("could not record that the multipart upload of {} ended: {}", upload.file.path(),
                    Failure.describe(e));
        }
    }

    /** The file's upload: the one a run left for it, if S3 still has it and it was begun alike; else a new one. */
    private Upload begin(Message message, String key, FileInParts file) {
        boolean md5PerPart = !checksums.inUse();
        CreateMultipartUploadRequest create = MultipartRequests.create(message, bucket, key, md5PerPart);
        String digest = MultipartRequests.digest(create, sse, kmsKeyId);
        Upload resumed = leftUploads == null ? null : leftUploads.goOnWith(key, file, md5PerPart, digest);
        if (resumed != null) {
            return resumed;
        }
        String id = requests.counted(file.path(), () -> client.createMultipartUpload(create)).uploadId();
        try {
            state.rememberUnfinishedUpload(new StateDatabase.UnfinishedUpload(key, id,
                    file.fingerprint().row(file.path()), file.sizeOfParts(), md5PerPart, digest));
        } catch (RuntimeException e) {
            // not remembered: a crash would leave it for good, so no part is sent; the file waits for the database
            try {
                abort(file.path(), key, id);
            } catch (RuntimeException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            throw e;
        }
        return new Upload(key, file, id, md5PerPart);
    }

    private void finish(Upload upload, PartSender sender) throws IOException {
        FileInParts file = upload.file;
        sendMissingParts(upload, sender);
        checkUnchanged(file);
        List<CompletedPart> parts = List.copyOf(upload.done.values());
        requests.counted(file.path(), () -> client.completeMultipartUpload(b -> b.bucket(bucket).key(upload.key)
                .uploadId(upload.id).multipartUpload(m -> m.parts(parts))));
    }

    /**
     * The parts S3 does not hold yet, {@link #PARTS_AT_ONCE} at a time: the file's own thread and helpers from the
     * pool take the next part until none is left. After a failure no part is begun; the parts in flight end, S3 keeps
     * what it took, and the first failure is the file's.
     */
    private void sendMissingParts(Upload upload, PartSender sender) throws IOException {
        Queue<Integer> missing = new ConcurrentLinkedQueue<>();
        for (int number = 1; number <= upload.file.parts(); number++) {
            if (!upload.done.containsKey(number)) {
                missing.add(number);
            }
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        Runnable sending = () -> {
            for (Integer number = missing.poll(); number != null && failure.get() == null && !stopping();
                    number = missing.poll()) {
                try {
                    upload.done.put(number, sender.send(upload, number));
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        int senders = Math.min(PARTS_AT_ONCE, missing.size()); // counted once: each helper takes a part as it starts
        for (int i = 1; i < senders; i++) {
            helpers.add(helpers().submit(sending));
        }
        sending.run();
        for (Future<?> helper : helpers) {
            try {
                helper.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, e);
            } catch (ExecutionException e) {
                failure.compareAndSet(null, e);
            }
        }
        Exception first = failure.get();
        if (first == null && upload.done.size() < upload.file.parts() && stopping()) {
            // the parts in flight ended; the others are the next start's, which goes on with this upload
            throw new RejectedExecutionException("watch2s3 stops before the other parts of " + upload.file.path());
        }
        if (first instanceof IOException io) {
            throw io;
        } else if (first instanceof RuntimeException runtime) {
            throw runtime;
        } else if (first != null) {
            throw new IOException("the parts of " + upload.file.path() + " were not all sent", first);
        }
    }

    /** Once watch2s3 stops, no part begins: the stop need not wait for the whole file, and the next start goes on. */
    private boolean stopping() {
        return camelContext != null && camelContext.isStopping();
    }

    private synchronized ExecutorService helpers() {
        if (partSenders == null) {
            partSenders = camelContext.getExecutorServiceManager().newCachedThreadPool(this, "watch2s3-parts");
        }
        return partSenders;
    }

    private CompletedPart sendPart(Upload upload, int number) throws IOException {
        FileInParts file = upload.file;
        long offset = file.offsetOf(number);
        long length = file.lengthOf(number);
        UploadPartRequest.Builder part = UploadPartRequest.builder().bucket(bucket).key(upload.key)
                .uploadId(upload.id).partNumber(number).contentLength(length);
        if (upload.md5PerPart) {
            part.contentMD5(PartChecksums.md5(file, offset, length));
        } else {
            part.checksumAlgorithm(ChecksumAlgorithm.CRC32);
        }
        // a new stream for each time the SDK reads the part (over plain HTTP it reads it twice: to sign, to send)
        RequestBody body = RequestBody.fromContentProvider(() -> TreeFileStream.part(file.root(), file.path(),
                file.fingerprint().size(), offset, length), length, "application/octet-stream");
        UploadPartResponse sent = requests.counted(file.path(), () -> client.uploadPart(part.build(), body));
        return CompletedPart.builder().partNumber(number).eTag(sent.eTag()).checksumCRC32(sent.checksumCRC32())
                .build();
    }

    /** The file is still the one that was hashed: same size, mtime and ctime as its fingerprint's stat. */
    private static void checkUnchanged(FileInParts file) throws IOException {
        if (!file.fingerprint().stillDescribes(FileStat.of(file.root().resolve(file.path())))) {
            throw new TreeFileStream.FileChangedException(file.path() + " changed while its parts were sent");
        }
    }

    /**
     * S3 no longer has the upload: NoSuchUpload. For an upload a run left that S3Proxy still takes parts for after it
     * was completed or aborted, its completion's NoSuchKey says the same.
     */
    private static boolean isGone(S3Exception e, Upload upload) {
        return "NoSuchUpload".equals(errorCode(e)) || (upload.resumed && "NoSuchKey".equals(errorCode(e)));
    }

    static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /** Puts one part of an upload into S3 (sends it, or has S3 copy it) and returns what S3 confirmed. */
    @FunctionalInterface
    interface PartSender {
        CompletedPart send(Upload upload, int number) throws IOException;
    }

    /** One multipart upload under way: S3's id for it, and the parts S3 confirmed, in order. */
    static final class Upload {
        private final String key;
        private final FileInParts file;
        private final String id;
        private final boolean md5PerPart;
        /** By part number: S3 wants them in order. */
        private final Map<Integer, CompletedPart> done = new ConcurrentSkipListMap<>();
        private volatile boolean resumed;
        private long bytesLeftInS3;
        private final AtomicLong bytesCopied = new AtomicLong();

        Upload(String key, FileInParts file, String id, boolean md5PerPart) {
            this.key = key;
            this.file = file;
            this.id = id;
            this.md5PerPart = md5PerPart;
        }

        /** A run left this upload: S3 holds this part of it already. */
        void sent(CompletedPart part, long bytes) {
            resumed = true;
            bytesLeftInS3 += bytes;
            done.put(part.partNumber(), part);
        }

        /** S3 copied this part from an object holding the file's content, and it was checked. */
        void copied(long bytes) {
            bytesCopied.addAndGet(bytes);
        }

        int partsSent() {
            return done.size();
        }

        String key() {
            return key;
        }

        String id() {
            return id;
        }

        FileInParts file() {
            return file;
        }

        /** Whether each part carries its Content-MD5 rather than a CRC32 (an upload begun without S3's checksums). */
        boolean md5PerPart() {
            return md5PerPart;
        }

        boolean isOf(String key, FileInParts file) {
            return this.key.equals(key) && this.file.equals(file);
        }
    }
}
