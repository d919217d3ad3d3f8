package io.watch2s3.config;

/** A setting that cannot be used; the message is the one line shown to the user. */
public class ConfigurationException extends RuntimeException {

    public ConfigurationException(String message) {
        super(message);
    }

    /** The first ConfigurationException among {@code e} and its causes (Camel wraps what a bean throws), or null. */
    public static ConfigurationException foundIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException c) {
                return c;
            }
        }
        return null;
    }

    public static ConfigurationException forKey(String key, String problem) {
        return new ConfigurationException(key + ": " + problem);
    }
}
