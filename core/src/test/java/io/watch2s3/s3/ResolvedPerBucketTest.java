package io.watch2s3.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.endpoints.Endpoint;
import software.amazon.awssdk.http.auth.spi.scheme.AuthSchemeOption;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeParams;
import software.amazon.awssdk.services.s3.auth.scheme.S3AuthSchemeProvider;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointParams;
import software.amazon.awssdk.services.s3.endpoints.S3EndpointProvider;

/** The SDK's own rules, asked once per bucket: every key gets exactly what the rules would have said for it. */
class ResolvedPerBucketTest {

    private static final Set<String> NAMING_OBJECTS = Set.of("key", "prefix", "copySource", "deleteObjectKeys");
    private static final List<String> KEYS = List.of("a.txt", "dir/b c.html", "arn:aws:s3:::other", "..", "null");

    private final S3EndpointProvider rules = S3EndpointProvider.defaultProvider();
    private final S3AuthSchemeProvider authRules = S3AuthSchemeProvider.defaultProvider();

    private static S3EndpointParams endpointParams(String bucket, String key, boolean pathStyle) {
        return S3EndpointParams.builder().bucket(bucket).key(key).region(Region.EU_WEST_1).forcePathStyle(pathStyle)
                .useFips(false).useDualStack(false).accelerate(false).useGlobalEndpoint(false)
                .useArnRegion(false).disableAccessPoints(false).disableMultiRegionAccessPoints(false).build();
    }

    private static S3AuthSchemeParams authParams(String operation, String bucket, String key) {
        return S3AuthSchemeParams.builder().operation(operation).bucket(bucket).key(key).region(Region.EU_WEST_1)
                .forcePathStyle(false).useFips(false).useDualStack(false).accelerate(false).build();
    }

    private static String described(List<AuthSchemeOption> options) {
        List<String> described = new ArrayList<>();
        for (AuthSchemeOption option : options) {
            List<String> properties = new ArrayList<>();
            option.forEachSignerProperty(new AuthSchemeOption.SignerPropertyConsumer() {
                @Override
                public <T> void accept(software.amazon.awssdk.http.auth.spi.signer.SignerProperty<T> property,
                        T value) {
                    properties.add(property + "=" + value);
                }
            });
            properties.sort(null);
            described.add(option.schemeId() + properties);
        }
        return String.join("; ", described);
    }

    @Test
    void everyKeyOfABucketGetsTheEndpointTheRulesGiveIt() {
        S3EndpointProvider cached = ResolvedPerBucket.endpoints(rules);
        for (boolean pathStyle : new boolean[] {false, true}) {
            for (String key : KEYS) {
                S3EndpointParams params = endpointParams("site-bucket", key, pathStyle);
                Endpoint expected = rules.resolveEndpoint(params).join();
                assertEquals(expected, cached.resolveEndpoint(params).join(), key);
            }
        }
        Endpoint other = cached.resolveEndpoint(endpointParams("other-bucket", "a.txt", false)).join();
        assertTrue(other.url().getHost().startsWith("other-bucket."), other.url().toString());
        assertNotEquals(other, cached.resolveEndpoint(endpointParams("site-bucket", "a.txt", false)).join());
    }

    @Test
    void everyKeyOfABucketIsSignedAsTheRulesSay() {
        S3AuthSchemeProvider cached = ResolvedPerBucket.authSchemes(authRules);
        for (String operation : List.of("PutObject", "DeleteObject")) {
            for (String key : KEYS) {
                S3AuthSchemeParams params = authParams(operation, "site-bucket", key);
                assertEquals(described(authRules.resolveAuthScheme(params)),
                        described(cached.resolveAuthScheme(params)), operation + " " + key);
            }
        }
        // a multi-region access point is signed with SigV4a: the bucket is part of what is remembered
        String mrap = "arn:aws:s3::123456789012:accesspoint:mfzwi23gnjvgw.mrap";
        assertEquals(described(authRules.resolveAuthScheme(authParams("PutObject", mrap, "a.txt"))),
                described(cached.resolveAuthScheme(authParams("PutObject", mrap, "a.txt"))));
    }

    @Test
    void aBucketTheRulesRefuseIsRefusedEveryTime() {
        S3EndpointProvider cached = ResolvedPerBucket.endpoints(rules);
        S3EndpointParams refused = endpointParams("arn:aws:s3:::not-an-access-point", "a.txt", false);
        assertThrows(CompletionException.class, () -> rules.resolveEndpoint(refused).join(), "the rules' own answer");
        assertThrows(CompletionException.class, () -> cached.resolveEndpoint(refused).join());
        assertThrows(CompletionException.class, () -> cached.resolveEndpoint(refused).join());
    }

    /** An SDK upgrade that gives the rules a new input must be looked at: is it one that names an object? */
    @Test
    void theCacheKeyHoldsEveryInputOfTheRulesButThoseNamingObjects() {
        assertEquals(accessors(S3EndpointParams.class), components(ResolvedPerBucket.RulesInput.class));
        Set<String> auth = components(ResolvedPerBucket.AuthInput.class);
        auth.remove("rules");
        auth.addAll(components(ResolvedPerBucket.RulesInput.class));
        assertEquals(accessors(S3AuthSchemeParams.class), auth);
    }

    private static Set<String> accessors(Class<?> params) {
        return Arrays.stream(params.getMethods())
                .filter(m -> m.getParameterCount() == 0 && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getDeclaringClass() == params)
                .map(Method::getName)
                .filter(name -> !name.equals("toBuilder") && !NAMING_OBJECTS.contains(name))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> components(Class<?> input) {
        return Arrays.stream(input.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
