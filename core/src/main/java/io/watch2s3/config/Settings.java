package io.watch2s3.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The resolved configuration: for every key of the contract, the value from (first wins) a JVM system property,
 * the environment variable of the same name ({@code WATCH_DIR}), the properties file, or the default.
 * Every value is checked here, so a bad one stops start-up with one line that names the key.
 */
public final class Settings {

    public static final List<Setting> CONTRACT = List.of(
            Setting.of("watch.dir", "./data", Checks::nonEmpty),
            Setting.of("s3.bucket", "watch2s3", Checks::bucket),
            Setting.of("s3.prefix", "", Checks::prefix),
            Setting.of("s3.endpoint", "local", Checks::endpoint),
            Setting.of("s3.region", "us-east-1", Checks::nonEmpty),
            Setting.of("s3.path-style", "false", Checks::bool),
            Setting.of("s3.access-key", "", Checks::any),
            Setting.of("s3.secret-key", "", Checks::any),
            Setting.of("s3.acl", "", Checks::cannedAcl),
            Setting.of("s3.storage-class", "", Checks::storageClass),
            Setting.of("s3.sse", "", Checks::serverSideEncryption),
            Setting.of("s3.kms-key-id", "", Checks::any),
            Setting.of("s3.part-size", "64MB", Checks::partSize),
            Setting.of("s3.create-bucket", "false", Checks::bool),
            Setting.of("s3.checksums", "auto", Checks.oneOf("auto", "when-required")),
            Setting.of("s3.request-timeout", "60s", Checks::positiveDuration),
            Setting.of("s3.bandwidth-limit", "off", Checks::bandwidthLimit),
            Setting.of("s3.server-side-copy", "256KB", Checks::serverSideCopy),
            Setting.of("s3.update-mtime", "true", Checks::bool),
            Setting.of("sync.quiet-period", "5s", Checks::positiveDuration),
            Setting.of("sync.max-delay", "30s", Checks::positiveDuration),
            Setting.of("sync.max-batch", "10000", Checks.intBetween(1, 1_000_000)),
            Setting.of("sync.parallelism", "16", Checks.intBetween(1, 512)),
            Setting.of("sync.deletes", "false", Checks::bool),
            Setting.of("sync.include", "", Checks::globs),
            Setting.of("sync.exclude", "", Checks::globs),
            Setting.of("sync.rescan-interval", "1h", Checks::duration),
            Setting.of("sync.max-deletes", "1000", Checks.intBetween(0, Integer.MAX_VALUE)),
            Setting.of("sync.max-retries", "5", Checks.intBetween(0, 10)),
            Setting.of("sync.progress-interval", "10s", Checks::positiveDuration),
            Setting.of("sync.stall-timeout", "10m", Checks::positiveDuration),
            Setting.of("sync.once", "false", Checks::bool),
            Setting.of("sync.dry-run", "false", Checks::bool),
            Setting.notYet("sync.follow-symlinks", "false"),
            Setting.of("state.dir", "./.watch2s3", Checks::stateDir),
            Setting.notYet("state.url", ""),
            Setting.of("management.port", "0", Checks.intBetween(0, 65535)),
            Setting.of("management.host", "127.0.0.1", Checks::nonEmpty),
            Setting.of("log.format", "text", Checks.oneOf("text", "json")));

    /** Namespaces of the contract: a key in one of them that the contract lacks is a typo. */
    private static final List<String> NAMESPACES = List.of("watch.", "s3.", "sync.", "state.", "management.", "log.");
    private static final java.util.regex.Pattern ENVIRONMENT_NAMESPACE =
            java.util.regex.Pattern.compile("(WATCH|S3|SYNC|STATE|MANAGEMENT|LOG)_[A-Z0-9_]+");

    private final Map<String, String> values;
    private final List<String> warnings;

    private Settings(Map<String, String> values, List<String> warnings) {
        this.values = values;
        this.warnings = warnings;
    }

    /** Resolves and checks every key: system property, then environment, then {@code file}, then default. */
    public static Settings resolve(Properties file, Map<String, String> environment, Properties systemProperties) {
        return resolve(file, environment, systemProperties, Map.of());
    }

    /**
     * As {@link #resolve(Properties, Map, Properties)}, with some defaults replaced: a Camel host has no built-in
     * local endpoint, so there an empty s3.endpoint (AWS) is the default.
     */
    public static Settings resolve(Properties file, Map<String, String> environment, Properties systemProperties,
            Map<String, String> otherDefaults) {
        rejectUnknownKeys(file.stringPropertyNames(), "the properties file");
        rejectKeysSpeltLikeASetting(file.stringPropertyNames(), "the properties file");
        rejectUnknownKeys(systemProperties.stringPropertyNames(), "-D");
        Map<String, String> resolved = new LinkedHashMap<>();
        for (Setting setting : CONTRACT) {
            String value = systemProperties.getProperty(setting.key());
            if (value == null) {
                value = environment.get(setting.environmentName());
            }
            if (value == null) {
                value = file.getProperty(setting.key());
            }
            if (value == null) {
                value = otherDefaults.getOrDefault(setting.key(), setting.defaultValue());
            }
            value = value.trim();
            if (!setting.supported() && !value.equals(setting.defaultValue())) {
                throw ConfigurationException.forKey(setting.key(), "not supported yet; leave it at its default '"
                        + setting.defaultValue() + "' (or remove it)");
            }
            setting.check().accept(setting.key(), value);
            resolved.put(setting.key(), value);
        }
        Settings settings = new Settings(resolved, environmentWarnings(environment));
        settings.checkCombinations();
        return settings;
    }

    /**
     * Environment variables named like a setting but matching none (SYNC_PARALELISM): not an error — the environment
     * is shared with everything else the machine runs — but worth a warning with the closest name, since the value
     * the operator meant is silently not in effect.
     */
    public static List<String> environmentWarnings(Map<String, String> environment) {
        List<String> known = CONTRACT.stream().map(Setting::environmentName).toList();
        List<String> warnings = new java.util.ArrayList<>();
        for (String name : new java.util.TreeSet<>(environment.keySet())) {
            if (ENVIRONMENT_NAMESPACE.matcher(name).matches() && !known.contains(name)) {
                String closest = Suggestions.closest(name, known);
                if (closest != null) {
                    warnings.add("the environment variable " + name + " is not a setting and is ignored; did you mean "
                            + closest + "?");
                }
            }
        }
        return List.copyOf(warnings);
    }

    /**
     * Checks one value as the user wrote it, before placeholders in it were expanded: a Camel host resolves
     * {@code {{…}}} inside values, and a prefix must not pull another setting (a secret) into object keys.
     */
    public static void checkAsWritten(String key, String value) {
        CONTRACT.stream().filter(setting -> setting.key().equals(key)).findFirst()
                .ifPresent(setting -> setting.check().accept(key, value.trim()));
    }

    /** Lines to log at start: settings that look mistyped but are not errors. */
    public List<String> warnings() {
        return warnings;
    }

    /** True for a key in a namespace of the contract (watch., s3., sync., …): unknown there, it is a typo. */
    public static boolean isInNamespace(String key) {
        return NAMESPACES.stream().anyMatch(key::startsWith);
    }

    /** True for a key of the contract. */
    public static boolean isKnown(String key) {
        return CONTRACT.stream().anyMatch(setting -> setting.key().equals(key));
    }

    /** The key of the contract {@code typo} most likely means, or null. */
    public static String closestKey(String typo) {
        return Suggestions.closest(typo, CONTRACT.stream().map(Setting::key).toList());
    }

    public static void rejectUnknownKeys(Iterable<String> keys, String where) {
        List<String> known = CONTRACT.stream().map(Setting::key).toList();
        for (String key : keys) {
            if (NAMESPACES.stream().anyMatch(key::startsWith) && !known.contains(key)) {
                String closest = Suggestions.closest(key, known);
                throw ConfigurationException.forKey(key, "unknown key (in " + where + ")"
                        + (closest == null ? "" : "; did you mean " + closest + "?"));
            }
        }
    }

    /**
     * A key of a file that is no setting but reads as one with case, '_' and '-' aside (SYNC_DELETES, the environment's
     * spelling; sync_deletes; s3-prefix): the value the user meant would silently not be in effect. A key of the
     * user's own (a placeholder of an edited route) stays allowed; only look-alikes of settings are refused.
     */
    private static void rejectKeysSpeltLikeASetting(Iterable<String> keys, String where) {
        Map<String, String> bySpelling = new java.util.HashMap<>();
        CONTRACT.forEach(setting -> bySpelling.put(spelling(setting.key()), setting.key()));
        for (String key : keys) {
            String meant = bySpelling.get(spelling(key));
            if (meant != null && !meant.equals(key)) {
                throw ConfigurationException.forKey(key, "unknown key (in " + where + "); did you mean " + meant + "?");
            }
        }
    }

    private static String spelling(String key) {
        return key.toLowerCase(java.util.Locale.ROOT).replaceAll("[._-]", "");
    }

    /** Reads a properties file as UTF-8 (a byte order mark, as some editors write one, is not part of the first key). */
    public static Properties read(Path file) {
        Properties properties = new Properties();
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            properties.load(new java.io.StringReader(text.startsWith("\uFEFF") ? text.substring(1) : text));
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the properties file " + file + ": " + e.getMessage());
        }
        return properties;
    }

    private void checkCombinations() {
        if (!get("s3.kms-key-id").isEmpty() && !get("s3.sse").startsWith("aws:kms")) {
            throw ConfigurationException.forKey("s3.kms-key-id", "needs s3.sse=aws:kms (or aws:kms:dsse); s3.sse is '"
                    + get("s3.sse") + "'");
        }
        String endpointPath = get("s3.endpoint").startsWith("http") ? URI.create(get("s3.endpoint")).getPath() : "";
        if (endpointPath != null && endpointPath.replaceAll("/+$", "").equals("/" + get("s3.bucket"))) {
            throw ConfigurationException.forKey("s3.endpoint", "ends with the bucket's name (" + endpointPath + "); give"
                    + " the server's URL alone: the bucket is s3.bucket");
        }
        if (get("s3.access-key").isEmpty() != get("s3.secret-key").isEmpty()) {
            throw ConfigurationException.forKey(get("s3.access-key").isEmpty() ? "s3.access-key" : "s3.secret-key",
                    "must be set together with the other of s3.access-key / s3.secret-key (or leave both empty)");
        }
        if (Durations.parse("sync.max-delay", get("sync.max-delay"))
                .compareTo(Durations.parse("sync.quiet-period", get("sync.quiet-period"))) < 0) {
            throw ConfigurationException.forKey("sync.max-delay", "'" + get("sync.max-delay")
                    + "' is shorter than sync.quiet-period '" + get("sync.quiet-period") + "'; it must be at least as long");
        }
        Path watch = realPathOf(watchDir());
        Path state = realPathOf(stateDir());
        if (state.startsWith(watch)) {
            throw ConfigurationException.forKey("state.dir", "'" + get("state.dir")
                    + "' lies inside watch.dir; put the state database outside the tree it mirrors");
        }
    }

    /**
     * The path with every symlink resolved, also where its last parts do not exist yet: a state.dir reached through
     * a symlink into watch.dir is inside it, whatever its spelling.
     */
    static Path realPathOf(Path path) {
        Path existing = path;
        Path rest = Path.of("");
        while (existing != null && !Files.exists(existing)) {
            rest = existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        try {
            return existing == null ? path : existing.toRealPath().resolve(rest).normalize();
        } catch (IOException e) {
            return path;
        }
    }

    public String get(String key) {
        String value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("not a key of the contract: " + key);
        }
        return value;
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(get(key));
    }

    public Path watchDir() {
        return Path.of(get("watch.dir")).toAbsolutePath().normalize();
    }

    public Path stateDir() {
        return Path.of(get("state.dir")).toAbsolutePath().normalize();
    }

    public boolean localEndpoint() {
        return get("s3.endpoint").equals("local");
    }

    /** Every key with its value, secrets included: for handing to Camel, never for logging. */
    public Map<String, String> asMap() {
        return Map.copyOf(values);
    }

    /** A copy with some values replaced (e.g. the local endpoint's real URL once it listens). */
    public Settings with(Map<String, String> replacements) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.putAll(replacements);
        return new Settings(copy, warnings);
    }
}
