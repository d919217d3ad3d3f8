package io.watch2s3.config;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.StorageClass;

/** The value checks used by {@link Settings}; each throws a {@link ConfigurationException} that names the key. */
final class Checks {

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private Checks() {
    }

    static void any(String key, String value) {
        // every value is allowed
    }

    static void nonEmpty(String key, String value) {
        if (value.isBlank()) {
            throw ConfigurationException.forKey(key, "must not be empty");
        }
    }

    /**
     * s3.prefix goes in front of every key, so it must make keys that name the same objects for every tool: no
     * leading '/', no empty, "." or ".." segment (S3 keeps them; most tools and URLs collapse them), no control
     * character, and no "{{" — Camel would read it as a placeholder and put another setting (a secret key) into
     * every key.
     */
    static void prefix(String key, String value) {
        if (value.isEmpty()) {
            return;
        }
        String why = null;
        if (value.contains("{{") || value.contains("}}")) {
            why = "contains '{{' or '}}', which Camel would read as a placeholder";
        } else if (value.startsWith("/")) {
            why = "starts with '/'; write site/ rather than /site/";
        } else if (value.chars().anyMatch(c -> Character.isISOControl(c))) {
            why = "contains a control character";
        } else if (!value.endsWith("/")) {
            // S3 would take it (key = prefix + path: "siteindex.html"), but every sync tool, rclone check and the
            // console read "site" as a folder, and a prefix inside another pair's could not be told apart
            why = "does not end with '/', so index.html would be the key '" + io.watch2s3.log.LogSafe.name(value)
                    + "index.html'; write " + io.watch2s3.log.LogSafe.name(value) + "/";
        } else if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 512) {
            why = "is longer than 512 bytes, which leaves too little of S3's 1024 for the paths";
        } else {
            String[] segments = value.split("/", -1);
            for (int i = 0; i < segments.length; i++) {
                boolean last = i == segments.length - 1;
                if ((segments[i].isEmpty() && !last) || segments[i].equals(".") || segments[i].equals("..")) {
                    why = "has an empty, '.' or '..' segment; use names separated by single '/'";
                }
            }
        }
        if (why != null) {
            throw ConfigurationException.forKey(key, "'" + io.watch2s3.log.LogSafe.name(value) + "' " + why);
        }
    }

    /** H2 reads ";" in a database path as the start of its settings (";INIT=" runs SQL), whatever the quoting. */
    static void stateDir(String key, String value) {
        nonEmpty(key, value);
        if (value.contains(";")) {
            throw ConfigurationException.forKey(key, "'" + value + "' contains ';', which the embedded database cannot"
                    + " take in a path; choose a directory without it");
        }
    }

    static void bool(String key, String value) {
        if (!value.equals("true") && !value.equals("false")) {
            throw ConfigurationException.forKey(key, "'" + value + "' is not allowed; use true or false");
        }
    }

    static void duration(String key, String value) {
        Durations.parse(key, value);
    }

    static void positiveDuration(String key, String value) {
        if (Durations.parse(key, value).isZero()) {
            throw ConfigurationException.forKey(key, "must be longer than 0");
        }
    }

    static void size(String key, String value) {
        Sizes.parse(key, value);
    }

    static void bandwidthLimit(String key, String value) {
        BandwidthLimit.parse(value);
    }

    static void serverSideCopy(String key, String value) {
        ServerSideCopy.smallestCopied(value);
    }

    /** S3's limits for a part: at least 5MB, at most 5GB. */
    static void partSize(String key, String value) {
        long size = Sizes.parse(key, value);
        if (size < (5L << 20) || size > (5L << 30)) {
            throw ConfigurationException.forKey(key, "'" + value + "' is out of range; allowed 5MB to 5GB (S3's part sizes)");
        }
    }

    static BiConsumer<String, String> intBetween(long min, long max) {
        return (key, value) -> {
            long n;
            try {
                n = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw ConfigurationException.forKey(key, "'" + value + "' is "
                        + (value.trim().matches("-?\\d+") ? "out of range; allowed " + min + " to " + max
                        : "not a whole number"));
            }
            if (n < min || n > max) {
                throw ConfigurationException.forKey(key, "'" + value + "' is out of range; allowed " + min + " to " + max);
            }
        };
    }

    static void bucket(String key, String value) {
        if (!BUCKET.matcher(value).matches() || value.contains("..")) {
            throw ConfigurationException.forKey(key,
                    "'" + value + "' is not a valid bucket name; use 3 to 63 characters of a-z, 0-9, '.' and '-'");
        }
    }

    static void endpoint(String key, String value) {
        if (value.isEmpty() || value.equals("local")) {
            return;
        }
        try {
            URI uri = URI.create(value);
            if (uri.getRawUserInfo() != null) {
                // not echoed: it holds a password
                throw ConfigurationException.forKey(key, "holds a user name or password (user:password@); give the"
                        + " server's URL alone, and the keys as s3.access-key and s3.secret-key");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw ConfigurationException.forKey(key,
                "'" + value + "' is not allowed; use local, empty (AWS) or an http(s):// URL such as http://127.0.0.1:9000");
    }

    static void globs(String key, String value) {
        for (String glob : Globs.split(value)) {
            try {
                Globs.matchers(glob);
            } catch (RuntimeException e) {
                throw ConfigurationException.forKey(key, "'" + glob + "' is not a valid glob: " + e.getMessage());
            }
        }
    }

    static void cannedAcl(String key, String value) {
        if (!value.isEmpty() && ObjectCannedACL.fromValue(value) == ObjectCannedACL.UNKNOWN_TO_SDK_VERSION) {
            throw ConfigurationException.forKey(key, "'" + value + "' is not a canned ACL; allowed: "
                    + String.join(", ", ObjectCannedACL.knownValues().stream().map(ObjectCannedACL::toString).toList()));
        }
    }

    static void storageClass(String key, String value) {
        if (!value.isEmpty() && StorageClass.fromValue(value) == StorageClass.UNKNOWN_TO_SDK_VERSION) {
            throw ConfigurationException.forKey(key, "'" + value + "' is not a storage class; allowed: "
                    + String.join(", ", StorageClass.knownValues().stream().map(StorageClass::toString).toList()));
        }
    }

    /** What S3 can be asked to encrypt an object with (aws:fsx is for FSx's own buckets, not ours to choose). */
    static void serverSideEncryption(String key, String value) {
        List<String> allowed = List.of("AES256", "aws:kms", "aws:kms:dsse");
        if (!value.isEmpty() && !allowed.contains(value)) {
            throw ConfigurationException.forKey(key, "'" + value + "' is not a server-side encryption; allowed: "
                    + String.join(", ", allowed) + ", or empty for the bucket's default");
        }
    }

    static BiConsumer<String, String> oneOf(String... allowed) {
        return (key, value) -> {
            if (!Arrays.asList(allowed).contains(value)) {
                throw ConfigurationException.forKey(key, "'" + value + "' is not allowed; use " + String.join(" or ", allowed));
            }
        };
    }

    static List<String> splitList(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
