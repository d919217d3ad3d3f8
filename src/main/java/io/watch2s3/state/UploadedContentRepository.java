package io.watch2s3.state;

import io.watch2s3.change.Fingerprint;
import org.apache.camel.Exchange;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The idempotent filter's view of the state database. The message id is the path; "already processed" means S3
 * holds exactly the content described by the exchange's {@link Fingerprint} header. Camel's JDBC repository cannot
 * serve here: its 100-character key column is too short for paths and it knows ids, not content.
 *
 * Use with {@code eager: false} and {@code removeOnFailure: false}: the row changes only after S3 confirmed, and a
 * failed upload of a new version must not erase the record of the version S3 still holds.
 */
public class UploadedContentRepository extends ServiceSupport implements IdempotentRepository {

    public static final String FINGERPRINT_HEADER = "Watch2S3Fingerprint";

    private StateDatabase state;

    public void setState(StateDatabase state) {
        this.state = state;
    }

    /** The fingerprinter already compared the file with its state row: reading the row again cost 1 % of the CPU. */
    @Override
    public boolean contains(Exchange exchange, String path) {
        return fingerprint(exchange).inS3();
    }

    @Override
    public boolean add(Exchange exchange, String path) {
        Fingerprint fp = fingerprint(exchange);
        state.confirmUploaded(new SyncedFile(path, fp.size(), fp.mtimeNanos(), fp.sha256()));
        return true;
    }

    @Override
    public boolean confirm(Exchange exchange, String path) {
        return true; // add() above already wrote the row, after S3 confirmed
    }

    @Override
    public boolean remove(Exchange exchange, String path) {
        return false; // never forget what S3 still holds because a newer upload failed
    }

    private static Fingerprint fingerprint(Exchange exchange) {
        Fingerprint fp = exchange.getMessage().getHeader(FINGERPRINT_HEADER, Fingerprint.class);
        if (fp == null) {
            throw new IllegalStateException("no " + FINGERPRINT_HEADER + " header: fingerprint the file before the filter");
        }
        return fp;
    }

    // The id-only methods are required by the interface; the filter calls the exchange-aware ones above.

    @Override
    public boolean add(String path) {
        throw new UnsupportedOperationException("use the exchange-aware add: the fingerprint lives in a header");
    }

    @Override
    public boolean contains(String path) {
        return state.find(path).isPresent();
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
