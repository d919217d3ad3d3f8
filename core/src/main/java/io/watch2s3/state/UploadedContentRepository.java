package io.watch2s3.state;

import io.watch2s3.change.Fingerprint;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The route's view of the state database. As the idempotent filter's repository the message id is the path, and
 * "already processed" means S3 holds exactly the content described by the exchange's {@link Fingerprint} header.
 * Camel's JDBC repository cannot serve here: its 100-character key column is too short for paths and it knows ids,
 * not content.
 *
 * <p>The route records what S3 confirmed with explicit steps ({@link #recordUpload}, {@link #recordDelete}) right
 * after S3's answer, not through the filter's add(): the filter calls that from an on-completion hook, where Camel
 * logs and swallows an exception — a state database that failed to record an upload would go unnoticed, and the file
 * would count as synced. As steps, such a failure is the file's failure, handled like any other.
 */
public class UploadedContentRepository extends ServiceSupport implements IdempotentRepository {

    public static final String FINGERPRINT_HEADER = "Watch2S3Fingerprint";

    private StateDatabase state;

    public void setState(StateDatabase state) {
        this.state = state;
    }

    /** After S3 confirmed the PUT of {@code path}: the state now says S3 holds this content. */
    public void recordUpload(@Header("relPath") String path, @Header(FINGERPRINT_HEADER) Fingerprint fp) {
        state.confirmUploaded(new SyncedFile(path, fp.size(), fp.mtimeNanos(), fp.sha256()));
    }

    /** After S3 confirmed the DELETE of {@code path}'s object. */
    public void recordDelete(@Header("relPath") String path) {
        state.confirmDeleted(path);
    }

    /** The fingerprinter already compared the file with its state row: reading the row again cost 1 % of the CPU. */
    @Override
    public boolean contains(Exchange exchange, String path) {
        Fingerprint fp = exchange.getMessage().getHeader(FINGERPRINT_HEADER, Fingerprint.class);
        if (fp == null) {
            throw new IllegalStateException("no " + FINGERPRINT_HEADER + " header: fingerprint the file before the filter");
        }
        return fp.inS3();
    }

    @Override
    public boolean add(Exchange exchange, String path) {
        return true; // recorded by recordUpload, a step of the route (see the class comment)
    }

    @Override
    public boolean confirm(Exchange exchange, String path) {
        return true;
    }

    @Override
    public boolean remove(Exchange exchange, String path) {
        return false; // never forget what S3 still holds because a newer upload failed
    }

    // The id-only methods are required by the interface; the filter calls the exchange-aware ones above.

    @Override
    public boolean add(String path) {
        return true;
    }

    @Override
    public boolean contains(String path) {
        return state.find(path).filter(row -> !row.isPending()).isPresent();
    }

    @Override
    public boolean remove(String path) {
        return false;
    }

    @Override
    public boolean confirm(String path) {
        return true;
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("the state database is never cleared by the route");
    }
}
