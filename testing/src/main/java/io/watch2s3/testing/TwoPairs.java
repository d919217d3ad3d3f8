package io.watch2s3.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the host tests sync as two pairs: the trees www (pair site, bucket site) and docs (pair docs, bucket docs)
 * under one directory, each with one file written before the host starts.
 */
public record TwoPairs(Path site, Path docs) {

    public static final String SITE_FILE = "index.html";
    public static final String SITE_CONTENT = "<h1>before start</h1>";
    public static final String DOCS_FILE = "guide.md";
    public static final String DOCS_CONTENT = "# guide, before start";

    /** Makes both buckets, both trees and their first files. */
    public static TwoPairs create(S3Client s3, Path dir) throws IOException {
        s3.createBucket(b -> b.bucket("site"));
        s3.createBucket(b -> b.bucket("docs"));
        TwoPairs pairs = new TwoPairs(Files.createDirectories(dir.resolve("www")),
                Files.createDirectories(dir.resolve("docs")));
        Files.writeString(pairs.site.resolve(SITE_FILE), SITE_CONTENT);
        Files.writeString(pairs.docs.resolve(DOCS_FILE), DOCS_CONTENT);
        return pairs;
    }
}
