package io.watch2s3.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.failure.Failure;
import io.watch2s3.failure.FailureKind;
import io.watch2s3.failure.S3UnavailableException;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/** When one file's failures say that S3 is down, and when they only say that its key fails. */
class S3HealthTest {

    private static final Failure HTTP_500 = new Failure(FailureKind.S3_UNAVAILABLE, "HTTP 500 InternalError");
    /** What the SDK throws when the connection is reset before an answer came. */
    private static final Failure NO_ANSWER = Failure.of(SdkClientException.create("Unable to execute HTTP request",
            new SocketException("Connection reset")));
    private final S3Health s3 = new S3Health();

    /** The file is sent, fails, is retried and fails again, and is given up. */
    private void failsUntilGivenUp(String path) {
        long atFirstFailure = s3.confirmedSoFar();
        s3.requestFailed(HTTP_500, path);
        s3.requestFailed(HTTP_500, path);
        s3.gaveUp(HTTP_500, path, atFirstFailure);
    }

    @Test
    void aFileThatUsedUpItsRetriesWhileS3ConfirmedNothingMeansS3IsDown() {
        s3.succeeded("earlier.txt");
        long atFirstFailure = s3.confirmedSoFar();
        s3.requestFailed(HTTP_500, "a.txt");
        s3.requestFailed(HTTP_500, "a.txt");
        assertFalse(s3.isDown(), "one file failing twice is not three files");
        s3.gaveUp(HTTP_500, "a.txt", atFirstFailure);
        assertTrue(s3.isDown());
    }

    @Test
    void aFileThatUsedUpItsRetriesWhileOthersWentThroughIsAProblemOfItsKeyFromThenOn() {
        long atFirstFailure = s3.confirmedSoFar();
        s3.requestFailed(HTTP_500, "bad.txt");
        s3.succeeded("good.txt");
        s3.requestFailed(HTTP_500, "bad.txt");
        s3.gaveUp(HTTP_500, "bad.txt", atFirstFailure);
        assertFalse(s3.isDown());

        failsUntilGivenUp("bad.txt"); // tried again later, with nothing else going on
        assertFalse(s3.isDown(), "a key known to fail by itself does not make S3 count as down");
        s3.requestFailed(HTTP_500, "a.txt");
        s3.requestFailed(HTTP_500, "b.txt");
        assertFalse(s3.isDown(), "nor is it one of three files failing in a row");
        s3.requestFailed(HTTP_500, "c.txt");
        assertTrue(s3.isDown(), "three other files are");
    }

    @Test
    void anOutageThatOneFilesGiveUpStartedAndAnotherFileEndedLeavesThatKeyKnownToFail() {
        failsUntilGivenUp("bad.txt");
        assertTrue(s3.isDown(), "for all anyone can tell, S3 is down");
        s3.succeeded("new.txt"); // the probe
        assertFalse(s3.isDown());
        failsUntilGivenUp("bad.txt");
        assertFalse(s3.isDown(), "S3 answered another file while this one failed: the key is the problem");
    }

    @Test
    void anOutageThatTheSameFileEndedSaysNothingAgainstItsKey() {
        failsUntilGivenUp("a.txt");
        assertTrue(s3.isDown());
        s3.succeeded("a.txt"); // the probe was the file itself: S3 was down, and is back
        assertFalse(s3.isDown());
        failsUntilGivenUp("a.txt");
        assertTrue(s3.isDown());
    }

    @Test
    void aKeyThatS3AcceptsAgainIsForgotten() {
        failsUntilGivenUp("bad.txt");
        s3.succeeded("new.txt");
        s3.succeeded("bad.txt"); // its directory's objects were deleted, say
        failsUntilGivenUp("bad.txt");
        assertTrue(s3.isDown(), "known to fail no more: its failures count again");
    }

    @Test
    void keysWhoseFailuresOpenedAnOutageThatAnotherFileEndedNoLongerCountAsS3s() {
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        assertTrue(s3.isDown());
        s3.succeeded("new.txt"); // the probe: S3 answers, and it was none of them
        assertFalse(s3.isDown());
        for (String path : new String[] {"a", "b", "c"}) { // tried again at once, all failing again
            failsUntilGivenUp(path);
        }
        assertFalse(s3.isDown(), "their keys fail, not S3");
        assertTrue(s3.failsByItself("a"));
    }

    @Test
    void inARealOutageTheFilesThatFailedAreForgottenOnceS3AcceptsThem() {
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        s3.succeeded("new.txt");
        for (String path : new String[] {"a", "b", "c"}) { // the files that waited are synced
            s3.succeeded(path);
        }
        assertFalse(s3.failsByItself("a"));
        for (String path : new String[] {"a", "b", "c"}) { // the next outage
            s3.requestFailed(HTTP_500, path);
        }
        assertTrue(s3.isDown());
    }

    @Test
    void theFirstFreshFileSetAsideInAnOutageGoesAsAProbeWithinASecondTheNextOnesWait() throws Exception {
        failsUntilGivenUp("bad.txt"); // nothing else was sent: S3 counts as down
        for (long waitMillis : new long[] {1_100, 1_100, 2_100}) { // probes at 1 s, then 1, 2: the next is 4 s away
            Thread.sleep(waitMillis);
            assertTrue(s3.isProbeDue());
            s3.checkAvailable(); // the probe goes, and fails
        }
        s3.freshFileWaits();
        Thread.sleep(1_100);
        assertTrue(s3.isProbeDue(), "the new file need not wait 4 s to find out");
        s3.checkAvailable(); // it fails too: S3 is down, and probes keep their pace
        s3.freshFileWaits();
        Thread.sleep(1_100);
        assertFalse(s3.isProbeDue(), "once per outage");
    }

    @Test
    void whenOnlyTheFilesThatFailedInTheOutageWaitTheProbeIsTheBucketAndItsAnswerLeavesThemFailingByThemselves() {
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        assertTrue(s3.isDown());
        assertFalse(s3.isBucketProbeDue(List.of("a", "b")), "the first probe is due only after 1 s");
        await().atMost(Duration.ofSeconds(30)).until(s3::isProbeDue);
        assertFalse(s3.isBucketProbeDue(List.of("a", "new.txt")), "a file S3 did not fail yet says more");
        assertFalse(s3.isBucketProbeDue(List.of()));
        assertTrue(s3.isBucketProbeDue(List.of("a", "b", "c")));

        s3.succeeded(null); // the HeadBucket was answered
        assertFalse(s3.isDown());
        failsUntilGivenUp("a"); // tried again, failing again
        assertFalse(s3.isDown(), "S3 answers: the key fails");
        assertTrue(s3.failsByItself("a"));
    }

    @Test
    void afterTheBucketEndedAnOutageTheNextOutagesProbesAreFilesUntilAFileGoesThrough() {
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        s3.succeeded(null); // HeadBucket answered; every upload still fails, say: the server's disk is full
        for (String path : new String[] {"d", "e", "f"}) {
            s3.requestFailed(HTTP_500, path);
        }
        assertTrue(s3.isDown());
        await().atMost(Duration.ofSeconds(30)).until(s3::isProbeDue);
        assertFalse(s3.isBucketProbeDue(List.of("d", "e", "f")), "S3 would count as up again and again");

        s3.succeeded("d"); // a file's probe goes through: S3 takes uploads again
        for (String path : new String[] {"g", "h", "i"}) {
            s3.requestFailed(HTTP_500, path);
        }
        await().atMost(Duration.ofSeconds(30)).until(s3::isProbeDue);
        assertTrue(s3.isBucketProbeDue(List.of("g", "h", "i")), "a file went through since the last HeadBucket");
    }

    @Test
    void aBucketProblemIsNeverProbedWithTheBucketItself() {
        s3.requestFailed(new Failure(FailureKind.BUCKET_REFUSED, "HTTP 403 AccessDenied"), "a");
        await().atMost(Duration.ofSeconds(30)).until(s3::isProbeDue);
        assertFalse(s3.isBucketProbeDue(List.of("a")));
    }

    @Test
    void threeFilesFailingInARowMeanS3IsDownWhateverTheirRetries() {
        s3.requestFailed(HTTP_500, "a.txt");
        s3.requestFailed(HTTP_500, "b.txt");
        assertFalse(s3.isDown());
        s3.requestFailed(HTTP_500, "c.txt");
        assertTrue(s3.isDown());
    }

    /** What health check {@code s3} says now (null: UP). */
    private String health() {
        WatchHealthChecks.S3 check = new WatchHealthChecks.S3();
        check.setS3(s3);
        return check.problem();
    }

    @Test
    void anOutageThatFilesFailingInARowOpenedIsSaidOnlyOnceItsFirstProbeFailsToo() {
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        assertTrue(s3.isDown(), "files are set aside meanwhile");
        s3.requestFailed(HTTP_500, "d"); // a request already under way: no probe
        assertNull(s3.getDownCause(), "three keys side by side can fail by themselves: not said yet");
        assertNull(health());

        await().atMost(Duration.ofSeconds(30)).until(s3::isProbeDue);
        s3.checkAvailable(); // the probe goes
        s3.requestFailed(HTTP_500, "e"); // and fails
        assertEquals("HTTP 500 InternalError", s3.getDownCause());
        assertEquals("S3 is not answering: HTTP 500 InternalError; files wait for it", health());
    }

    @Test
    void anOutageThatTheBucketsAnswerEndedBeforeAnyProbeFailedIsNeverSaid() {
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> s3.isBucketProbeDue(List.of("a", "b", "c")));
        assertNull(health());
        s3.checkAvailable(); // the HeadBucket goes
        s3.succeeded(null); // and is answered
        assertFalse(s3.isDown());
        assertNull(s3.getDownCause());
        assertNull(health());
    }

    @Test
    void anOutageNoProbeHasProvenOrEndedIsSaidAfterTenSecondsAnyway() {
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        // a probe goes only after 1 s: this request is refused, and its file waits
        assertThrows(S3UnavailableException.class, s3::checkAvailable);
        assertNull(s3.getDownCause());
        // the retry queue asks every second whether a probe is due; the probe it sent hangs (no answer yet)
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            s3.isProbeDue();
            return s3.getDownCause() != null;
        });
        assertEquals("S3 is not answering: HTTP 500 InternalError; files wait for it", health());
    }

    @Test
    void aOnceRunAndARefusedBucketSayTheirOutageAtOnce() {
        s3.setOnce(true); // a --once run sends no probe: it ends instead
        for (String path : new String[] {"a", "b", "c"}) {
            s3.requestFailed(HTTP_500, path);
        }
        assertEquals("HTTP 500 InternalError", s3.getDownCause());

        S3Health another = new S3Health();
        another.requestFailed(new Failure(FailureKind.BUCKET_REFUSED, "HTTP 403 AccessDenied"), "a");
        assertEquals("HTTP 403 AccessDenied", another.getDownCause());
        assertEquals("HTTP 403 AccessDenied", another.getBucketProblem());
    }

    /** Given up while other files go through, for want of any answer at all (a flaky link drops requests). */
    private void unansweredUntilGivenUp(String path) {
        long atFirstFailure = s3.confirmedSoFar();
        s3.requestFailed(NO_ANSWER, path);
        s3.succeeded("another.txt");
        s3.requestFailed(NO_ANSWER, path);
        s3.gaveUp(NO_ANSWER, path, atFirstFailure);
    }

    @Test
    void aFileGivenUpForWantOfAnyAnswerIsTheConnectionsProblemOnceAndItsKeysTheSecondTimeInARow() {
        assertTrue(NO_ANSWER.isNoAnswer(), NO_ANSWER.cause());
        unansweredUntilGivenUp("unlucky.txt");
        assertFalse(s3.isDown());
        assertFalse(s3.failsByItself("unlucky.txt"), "a lost answer says nothing about the key");

        unansweredUntilGivenUp("unlucky.txt");
        assertTrue(s3.failsByItself("unlucky.txt"), "no answer for it twice while others get one: its key");
    }

    @Test
    void anAnswerForAFileForgetsThatItWentUnansweredOnce() {
        unansweredUntilGivenUp("unlucky.txt");
        s3.succeeded("unlucky.txt");
        unansweredUntilGivenUp("unlucky.txt");
        assertFalse(s3.failsByItself("unlucky.txt"), "not twice in a row");
    }

    @Test
    void anAnswerThatIsAnErrorIsTheKeysFromTheFirstTime() {
        assertFalse(HTTP_500.isNoAnswer());
        long atFirstFailure = s3.confirmedSoFar();
        s3.requestFailed(HTTP_500, "bad.txt");
        s3.succeeded("another.txt");
        s3.gaveUp(HTTP_500, "bad.txt", atFirstFailure);
        assertTrue(s3.failsByItself("bad.txt"));
    }
}
