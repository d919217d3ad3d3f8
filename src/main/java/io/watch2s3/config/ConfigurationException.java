package io.watch2s3.config;

/** A setting that cannot be used; the message is the one line shown to the user. */
public class ConfigurationException extends RuntimeException {

    public ConfigurationException(String message) {
        super(message);
    }

    public static ConfigurationException forKey(String key, String problem) {
        return new ConfigurationException(key + ": " + problem);
    }
}
