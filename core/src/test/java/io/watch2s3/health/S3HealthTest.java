package io.watch2s3.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.failure.Failure;
import io.watch2s3.failure.FailureKind;
import org.junit.jupiter.api.Test;

/** When one file's failures say that S3 is down, and when they only say that its key fails. */
class S3HealthTest {

    private static final Failure HTTP_500 = new Failure(FailureKind.S3_UNAVAILABLE, "HTTP 500 InternalError");
    private final S3Health s3 = new S3Health();

    @Test
    void aFileThatUsedUpItsRetriesWhileS3ConfirmedNothingMeansS3IsDown() {
        s3.succeeded();
        long atFirstFailure = s3.confirmedSoFar();
        s3.requestFailed(HTTP_500, "a.txt");
        s3.requestFailed(HTTP_500, "a.txt");
        assertFalse(s3.isDown(), "one file failing twice is not three files");
        s3.gaveUp(HTTP_500, atFirstFailure);
        assertTrue(s3.isDown());
    }

    @Test
    void aFileThatUsedUpItsRetriesWhileOthersWentThroughIsAProblemOfItsKey() {
        long atFirstFailure = s3.confirmedSoFar();
        s3.requestFailed(HTTP_500, "bad.txt");
        s3.succeeded(); // another file's request
        s3.requestFailed(HTTP_500, "bad.txt");
        s3.gaveUp(HTTP_500, atFirstFailure);
        assertFalse(s3.isDown());
    }

    @Test
    void threeFilesFailingInARowMeanS3IsDownWhateverTheirRetries() {
        s3.requestFailed(HTTP_500, "a.txt");
        s3.requestFailed(HTTP_500, "b.txt");
        assertFalse(s3.isDown());
        s3.requestFailed(HTTP_500, "c.txt");
        assertTrue(s3.isDown());
    }
}
