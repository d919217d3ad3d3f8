package io.watch2s3.failure;

import io.watch2s3.log.LogSafe;
import io.watch2s3.s3.ObjectKeys;
import io.watch2s3.state.StateDatabase;
import io.watch2s3.tree.TreeFileStream;
import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** One file's failure: what kind it is and a one-line description of its cause, safe to log. */
public record Failure(FailureKind kind, String cause) {

    /** How the cause of a request that got no answer at all begins (refused, reset, timed out). */
    private static final String NO_ANSWER = "no answer from S3: ";

    /** 4xx answers that mean "try again" rather than "never". */
    private static final Set<String> TRANSIENT_4XX_CODES = Set.of("RequestTimeout", "RequestTimeTooSkewed",
            "ExpiredToken", "SlowDown", "Throttling", "ThrottlingException", "TooManyRequestsException");
    /** S3's answers when the body it received does not match the checksum we computed from the file. */
    private static final Set<String> BODY_CHANGED_CODES = Set.of("BadDigest", "XAmzContentSHA256Mismatch",
            "InvalidDigest");
    /**
     * MinIO's answers (older and newer codes) to a file where a "directory" of other objects is, and to a key below
     * an object: the two cannot coexist there, though they can in AWS S3.
     */
    private static final Set<String> KEY_CONFLICT_CODES = Set.of("XMinioObjectExistsAsDirectory",
            "ObjectExistsAsDirectory", "XMinioParentIsObject", "ParentIsObject");

    /** Sorts an exception from any step of one file's sync. Never throws. */
    public static Failure of(Throwable thrown) {
        try {
            return new Failure(kindOf(thrown), describe(thrown));
        } catch (RuntimeException e) {
            return new Failure(FailureKind.INTERNAL, "an exception that could not be described ("
                    + e.getClass().getName() + ")");
        }
    }

    private static FailureKind kindOf(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StateDatabase.StateUnavailableException) {
                return FailureKind.STATE_UNAVAILABLE;
            }
            if (t instanceof S3UnavailableException) {
                return FailureKind.S3_UNAVAILABLE;
            }
            if (t instanceof S3Exception s3) {
                return kindOfAnswer(s3);
            }
            if (t instanceof ObjectKeys.KeyRefusedException) {
                return FailureKind.REFUSED_BY_S3;
            }
            if (t instanceof TreeFileStream.FileChangedException) {
                return FailureKind.CHANGED_WHILE_UPLOADING;
            }
            if (t instanceof NoSuchFileException) {
                return FailureKind.VANISHED;
            }
            // the file's own I/O: opening or reading it (FileNotFoundException also means "permission denied")
            if (t instanceof FileNotFoundException || t instanceof java.nio.file.AccessDeniedException
                    || (t instanceof UncheckedIOException && !(t.getCause() instanceof NoSuchFileException))) {
                return FailureKind.UNREADABLE;
            }
            if (t instanceof SdkException sdk && !(sdk instanceof SdkServiceException)) {
                // no answer from S3: connection refused or reset, timeouts, unknown host — unless the SDK failed
                // while reading the file it was sending
                return fileCause(sdk) != null ? fileCause(sdk) : FailureKind.S3_UNAVAILABLE;
            }
        }
        return FailureKind.INTERNAL;
    }

    /** S3 answered with an error status. */
    private static FailureKind kindOfAnswer(S3Exception e) {
        int status = e.statusCode();
        String code = code(e);
        // KMS.*: the key s3.kms-key-id names is unknown, disabled or not ours to use: no upload can work until the
        // setting changes, as with a bucket that refuses us
        if (status == 401 || status == 403 || status == 301 || status == 307
                || (status == 404 && "NoSuchBucket".equals(code)) || code.startsWith("KMS.")) {
            return FailureKind.BUCKET_REFUSED;
        }
        if (BODY_CHANGED_CODES.contains(code)) {
            return FailureKind.CHANGED_WHILE_UPLOADING;
        }
        if (KEY_CONFLICT_CODES.contains(code)) {
            return FailureKind.KEY_CONFLICT;
        }
        if (status >= 500 || status == 408 || status == 429 || TRANSIENT_4XX_CODES.contains(code)) {
            return FailureKind.S3_UNAVAILABLE;
        }
        return status >= 400 ? FailureKind.REFUSED_BY_S3 : FailureKind.S3_UNAVAILABLE;
    }

    /**
     * The SDK failed while opening the file it was sending (it opens it only then). Other I/O errors under an
     * SdkClientException are taken for network errors: a file that became unreadable since it was fingerprinted is
     * then retried, and its next look sorts it out.
     */
    private static FailureKind fileCause(Throwable sdk) {
        for (Throwable t = sdk.getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TreeFileStream.FileChangedException) {
                return FailureKind.CHANGED_WHILE_UPLOADING;
            }
            if (t instanceof NoSuchFileException) {
                return FailureKind.VANISHED;
            }
            if (t instanceof FileNotFoundException || t instanceof java.nio.file.AccessDeniedException) {
                return FailureKind.UNREADABLE;
            }
        }
        return null;
    }

    /** S3's error code, or "" when the answer had none (a 500 from a proxy, say). */
    private static String code(S3Exception e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return code == null ? "" : code;
    }

    /** One line: for S3's answers the status and code, else the innermost cause's type and message. */
    public static String describe(Throwable thrown) {
        return LogSafe.name(describeRaw(thrown));
    }

    private static String describeRaw(Throwable thrown) {
        if (thrown == null) {
            return "an unknown cause";
        }
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof S3Exception s3) {
                String message = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorMessage();
                String code = code(s3);
                return "HTTP " + s3.statusCode() + (code.isEmpty() ? "" : " " + code)
                        + (message == null ? "" : ": " + oneLine(message));
            }
            if (t instanceof StateDatabase.StateUnavailableException || t instanceof S3UnavailableException) {
                return oneLine(safeMessage(t));
            }
        }
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = safeMessage(root);
        String kind = thrown instanceof SdkException && !(thrown instanceof SdkServiceException)
                ? NO_ANSWER : "";
        return kind + root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + oneLine(message));
    }

    /** True when the request got no answer at all: the connection was refused, reset or timed out. */
    public boolean isNoAnswer() {
        return cause.startsWith(NO_ANSWER);
    }

    /** An exception's message, or "" — even when getMessage() itself throws. */
    private static String safeMessage(Throwable t) {
        try {
            String message = t.getMessage();
            return message == null ? "" : message;
        } catch (RuntimeException e) {
            return "(its message could not be read: " + e.getClass().getSimpleName() + ")";
        }
    }

    private static String oneLine(String s) {
        int nl = s.indexOf('\n');
        String first = nl < 0 ? s : s.substring(0, nl);
        return first.length() > 300 ? first.substring(0, 300) + "…" : first;
    }
}
