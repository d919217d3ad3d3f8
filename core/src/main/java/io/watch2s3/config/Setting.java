package io.watch2s3.config;

import java.util.function.BiConsumer;

/**
 * One key of the configuration contract (the README's configuration table): its name, its default, and the check
 * its value must pass.
 * A key whose feature is not built yet is {@code supported = false}: any value but the default stops start-up.
 */
public record Setting(String key, String defaultValue, boolean supported, BiConsumer<String, String> check) {

    public static Setting of(String key, String defaultValue, BiConsumer<String, String> check) {
        return new Setting(key, defaultValue, true, check);
    }

    public static Setting notYet(String key, String defaultValue) {
        return new Setting(key, defaultValue, false, (k, v) -> { });
    }

    /** The environment variable that overrides this key: {@code s3.path-style} → {@code S3_PATH_STYLE}. */
    public String environmentName() {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
