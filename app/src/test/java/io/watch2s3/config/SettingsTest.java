package io.watch2s3.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every value is checked before anything starts, and a bad one is named in one line with what is allowed — never an
 * ArithmeticException, never a value that changes what it is pasted into (a key, a JDBC URL). The whole process's
 * exit code and output for such lines are in StartupErrorsTest; here the rules themselves, quickly.
 */
class SettingsTest {

    @TempDir
    Path dir;

    private Settings resolve(Map<String, String> values) {
        Properties file = new Properties();
        file.put("watch.dir", dir.resolve("tree").toString());
        file.put("state.dir", dir.resolve("state").toString());
        file.putAll(values);
        return Settings.resolve(file, Map.of(), new Properties());
    }

    private String refusal(String key, String value) {
        return assertThrows(ConfigurationException.class, () -> resolve(Map.of(key, value))).getMessage();
    }

    @Test
    void aPrefixMustMakeKeysThatEveryToolReadsTheSameWay() {
        assertEquals("site/", resolve(Map.of("s3.prefix", "site/")).get("s3.prefix"));
        assertEquals("a/b/c/", resolve(Map.of("s3.prefix", "a/b/c/")).get("s3.prefix"));
        assertEquals("s3.prefix: 'site' does not end with '/', so index.html would be the key 'siteindex.html'; write"
                + " site/", refusal("s3.prefix", "site"));
        assertTrue(refusal("s3.prefix", "{{s3.secret-key}}/").contains("placeholder"));
        assertTrue(refusal("s3.prefix", "/site/").contains("starts with '/'"));
        assertTrue(refusal("s3.prefix", "a//b/").contains("segment"));
        assertTrue(refusal("s3.prefix", "../up/").contains("segment"));
        assertTrue(refusal("s3.prefix", "a/./b/").contains("segment"));
        assertTrue(refusal("s3.prefix", "new\nline/").startsWith("s3.prefix: 'new\\nline/'"), "escaped");
        assertTrue(refusal("s3.prefix", "p".repeat(600) + "/").contains("512 bytes"));
    }

    /** A password in the endpoint's URL is refused without being echoed; a bucket name as its path is named. */
    @Test
    void anEndpointWithAPasswordOrTheBucketInItIsRefused() {
        String refusal = refusal("s3.endpoint", "http://minio:Zq7SecretVALUE@127.0.0.1:9000");
        assertEquals("s3.endpoint: holds a user name or password (user:password@); give the server's URL alone, and"
                + " the keys as s3.access-key and s3.secret-key", refusal);
        assertEquals("s3.endpoint: ends with the bucket's name (/site); give the server's URL alone: the bucket is"
                + " s3.bucket", assertThrows(ConfigurationException.class, () -> resolve(Map.of(
                        "s3.endpoint", "http://127.0.0.1:9000/site", "s3.bucket", "site"))).getMessage());
        assertEquals("http://127.0.0.1:9000/", resolve(Map.of("s3.endpoint", "http://127.0.0.1:9000/",
                "s3.bucket", "site")).get("s3.endpoint"));
    }

    /** Keys of the file that read as a setting but are none: the value meant would silently not be in effect. */
    @Test
    void aKeySpeltLikeASettingInTheFileIsRefusedWithTheKeyMeant() throws Exception {
        assertEquals("SYNC_DELETES: unknown key (in the properties file); did you mean sync.deletes?",
                refusal("SYNC_DELETES", "true"));
        assertEquals("sync_deletes: unknown key (in the properties file); did you mean sync.deletes?",
                refusal("sync_deletes", "true"));
        assertEquals("s3-prefix: unknown key (in the properties file); did you mean s3.prefix?",
                refusal("s3-prefix", "site/"));
        assertEquals("SYNC_MAX_BATCH: unknown key (in the properties file); did you mean sync.max-batch?",
                refusal("SYNC_MAX_BATCH", "10"));
        // a key of the user's own, for a placeholder in an edited route, is no setting's look-alike
        assertEquals("false", resolve(Map.of("site.cache-control", "x")).get("sync.deletes"));

        // a byte order mark before the first key (an editor's) is not part of the key
        Path file = dir.resolve("bom.properties");
        java.nio.file.Files.writeString(file, "\uFEFFsync.deletes = true\nwatch.dir = " + dir.resolve("tree")
                + "\nstate.dir = " + dir.resolve("state") + "\n");
        assertEquals("true", Settings.resolve(Settings.read(file), Map.of(), new Properties()).get("sync.deletes"));
    }

    @Test
    void aGlobThatCannotBeReadIsNamedAndBracesMayHoldCommas() {
        assertEquals(".*.{swp,swo}, .git", resolve(Map.of("sync.exclude", ".*.{swp,swo}, .git")).get("sync.exclude"));
        assertTrue(refusal("sync.exclude", "*.{swp, .git").startsWith("sync.exclude: '*.{swp, .git' is not a valid glob"),
                refusal("sync.exclude", "*.{swp, .git"));
        assertTrue(refusal("sync.include", "{a,{b,c}}").startsWith("sync.include: '{a,{b,c}}' is not a valid glob"));
    }

    @Test
    void hugeNumbersAreOutOfRangeNotAnOverflow() {
        assertEquals("sync.quiet-period: '99999999999999999h' is too long; at most 365d",
                refusal("sync.quiet-period", "99999999999999999h"));
        assertTrue(refusal("sync.max-delay", "400d").contains("at most 365d"));
        assertEquals("sync.parallelism: '99999999999999999999' is out of range; allowed 1 to 512",
                refusal("sync.parallelism", "99999999999999999999"));
        assertTrue(refusal("sync.max-retries", "-1").contains("out of range; allowed 0 to 10"));
        assertTrue(Sizes.parse("k", "5TB") > 0);
        assertThrows(ConfigurationException.class, () -> Sizes.parse("s3.part-size", "99999999999TB"));
    }

    @Test
    void serverSideEncryptionIsOneS3KnowsAndAKmsKeyNeedsKms() {
        assertTrue(refusal("s3.sse", "aes256").contains("allowed: AES256, aws:kms, aws:kms:dsse"));
        assertEquals("s3.kms-key-id: needs s3.sse=aws:kms (or aws:kms:dsse); s3.sse is 'AES256'",
                assertThrows(ConfigurationException.class, () -> resolve(Map.of("s3.sse", "AES256",
                        "s3.kms-key-id", "arn:aws:kms:eu-west-1:1:key/k"))).getMessage());
    }

    @Test
    void aPartSizeOutsideS3sLimitsIsRefused() {
        assertEquals("s3.part-size: '4MB' is out of range; allowed 5MB to 5GB (S3's part sizes)",
                refusal("s3.part-size", "4MB"));
        assertTrue(refusal("s3.part-size", "6GB").contains("allowed 5MB to 5GB"));
        assertTrue(refusal("s3.part-size", "lots").contains("not a size"));
    }

    @Test
    void aBandwidthLimitIsARatePerSecondOffOrATimetable() {
        assertEquals("off", resolve(Map.of()).get("s3.bandwidth-limit"));
        assertEquals("08:00,512KB 19:00,off", resolve(Map.of("s3.bandwidth-limit", "08:00,512KB 19:00,off"))
                .get("s3.bandwidth-limit"));
        assertTrue(refusal("s3.bandwidth-limit", "10Mbit").startsWith("s3.bandwidth-limit: '10Mbit' is not a"
                + " bandwidth limit"));
        assertTrue(refusal("s3.bandwidth-limit", "8KB").contains("smallest limit, 64KB"));
    }

    @Test
    void serverSideCopiesAreOffOrASizeS3CopiesInOneRequest() {
        assertEquals("256KB", resolve(Map.of()).get("s3.server-side-copy"));
        assertEquals("off", resolve(Map.of("s3.server-side-copy", "off")).get("s3.server-side-copy"));
        assertEquals("1MB", resolve(Map.of("s3.server-side-copy", "1MB")).get("s3.server-side-copy"));
        assertEquals("s3.server-side-copy: '32KB' is out of range; allowed 64KB to 5GB (the smallest file S3 copies"
                + " instead of an upload), or off", refusal("s3.server-side-copy", "32KB"));
        assertTrue(refusal("s3.server-side-copy", "6GB").contains("allowed 64KB to 5GB"));
        assertTrue(refusal("s3.server-side-copy", "yes").startsWith("s3.server-side-copy: 'yes' is neither off nor"
                + " a size"));
    }

    @Test
    void aStateDirThatWouldChangeTheDatabaseUrlIsRefused() {
        assertTrue(refusal("state.dir", dir.resolve("x;INIT=RUNSCRIPT FROM 'evil.sql'").toString()).contains("';'"));
    }

    @Test
    void aStateDirReachedThroughASymlinkIntoWatchDirIsInsideIt() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("tree"));
        java.nio.file.Files.createSymbolicLink(dir.resolve("looks-elsewhere"), dir.resolve("tree"));
        assertTrue(refusal("state.dir", dir.resolve("looks-elsewhere/.state").toString()).contains("inside watch.dir"));
    }
}
