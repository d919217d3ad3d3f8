package io.watch2s3.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** How S3's answers are sorted and described (the exceptions as the SDK builds them from an answer). */
class FailureTest {

    private static S3Exception answer(int status, String code, String message) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    @Test
    void anAnswerWithCodeAndMessageIsDescribedByAll() {
        Failure failure = Failure.of(answer(400, "InvalidArgument", "bad key"));
        assertEquals(FailureKind.REFUSED_BY_S3, failure.kind());
        assertEquals("HTTP 400 InvalidArgument: bad key", failure.cause());
    }

    @Test
    void anAnswerWithoutAnErrorCodeSaysNoNull() {
        // a proxy or S3Proxy's 500 with an empty body: the SDK has no code and no message
        Failure failure = Failure.of(answer(500, null, null));
        assertEquals(FailureKind.S3_UNAVAILABLE, failure.kind());
        assertEquals("HTTP 500", failure.cause());
    }

    @Test
    void minioRefusingAFileWhereADirectoryIsOrTheReverseIsAKeyConflictWorthRetrying() {
        for (String code : new String[] {"XMinioObjectExistsAsDirectory", "ObjectExistsAsDirectory",
                "XMinioParentIsObject", "ParentIsObject"}) {
            Failure failure = Failure.of(answer(code.contains("Parent") ? 400 : 409, code, "exists"));
            assertEquals(FailureKind.KEY_CONFLICT, failure.kind(), code);
            assertEquals(true, failure.kind().retried(), code);
        }
        assertEquals(false, Failure.of(answer(400, "InvalidArgument", "bad key")).kind().retried());
    }
}
