package io.watch2s3.s3;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.http.auth.aws.signer.RegionSet;
import software.amazon.awssdk.http.auth.spi.scheme.AuthSchemeOption;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeParams;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/**
 * The SDK's endpoint and auth-scheme decisions, made once per bucket instead of once per request. For every request
 * the SDK runs S3's endpoint rules twice (once to find the endpoint, once to find how to sign), with the object's key
 * among the inputs: 4 % of the client's CPU in a burst of small files. The rules never read the key (nor prefix,
 * copy source, or the keys of a multi-delete: SDK 2.41's DefaultS3EndpointProvider does not call them), so the answer
 * for one key is the answer for every key of the bucket. Everything else the rules read is part of the cache key, and
 * {@code ResolvedPerBucketTest} fails when an SDK upgrade adds a parameter this class does not know.
 *
 * <p>Bounded by what a client sees: one pair's client talks to one bucket, in one region, through one endpoint.
 */
public final class ResolvedPerBucket {

    /** Each input of S3's endpoint rules but those naming objects (key, prefix, copySource, deleteObjectKeys). */
    record RulesInput(String bucket, Region region, Boolean useFips, Boolean useDualStack, String endpoint,
            Boolean forcePathStyle, Boolean accelerate, Boolean useGlobalEndpoint, Boolean useObjectLambdaEndpoint,
            Boolean disableAccessPoints, Boolean disableMultiRegionAccessPoints, Boolean useArnRegion,
            Boolean useS3ExpressControlEndpoint, Boolean disableS3ExpressSessionAuth) {

        static RulesInput of(S3EndpointParams p) {
            return new RulesInput(p.bucket(), p.region(), p.useFips(), p.useDualStack(), p.endpoint(),
                    p.forcePathStyle(), p.accelerate(), p.useGlobalEndpoint(), p.useObjectLambdaEndpoint(),
                    p.disableAccessPoints(), p.disableMultiRegionAccessPoints(), p.useArnRegion(),
                    p.useS3ExpressControlEndpoint(), p.disableS3ExpressSessionAuth());
        }

        static RulesInput of(S3AuthSchemeParams p) {
            return new RulesInput(p.bucket(), p.region(), p.useFips(), p.useDualStack(), p.endpoint(),
                    p.forcePathStyle(), p.accelerate(), p.useGlobalEndpoint(), p.useObjectLambdaEndpoint(),
                    p.disableAccessPoints(), p.disableMultiRegionAccessPoints(), p.useArnRegion(),
                    p.useS3ExpressControlEndpoint(), p.disableS3ExpressSessionAuth());
        }
    }

    /** The same for signing, with what the auth rules read besides: the operation and the regions of SigV4a. */
    record AuthInput(String operation, RulesInput rules, RegionSet regionSet) {

        static AuthInput of(S3AuthSchemeParams p) {
            return new AuthInput(p.operation(), RulesInput.of(p), p.regionSet());
        }
    }

    /** A pair's client meets a handful of inputs; a host that misuses one client for many buckets stays bounded. */
    private static final int MAX_REMEMBERED = 256;

    private ResolvedPerBucket() {
    }

    public static S3EndpointProvider endpoints(S3EndpointProvider rules) {
        Map<RulesInput, Endpoint> resolved = new ConcurrentHashMap<>();
        return params -> {
            RulesInput input = RulesInput.of(params);
            Endpoint known = resolved.get(input);
            if (known != null) {
                return CompletableFuture.completedFuture(known);
            }
            // a failed resolution (a bucket name the rules refuse) is not remembered: it is said again each time
            return rules.resolveEndpoint(params).thenApply(endpoint -> remember(resolved, input, endpoint));
        };
    }

    public static S3AuthSchemeProvider authSchemes(S3AuthSchemeProvider rules) {
        Map<AuthInput, List<AuthSchemeOption>> resolved = new ConcurrentHashMap<>();
        return params -> {
            AuthInput input = AuthInput.of(params);
            List<AuthSchemeOption> known = resolved.get(input);
            return known != null ? known : remember(resolved, input, List.copyOf(rules.resolveAuthScheme(params)));
        };
    }

    private static <K, V> V remember(Map<K, V> resolved, K input, V answer) {
        if (resolved.size() < MAX_REMEMBERED) {
            resolved.put(input, answer);
        }
        return answer;
    }
}
