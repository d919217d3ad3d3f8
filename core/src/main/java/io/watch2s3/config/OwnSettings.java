package io.watch2s3.config;

/**
 * Which settings a pair sets as its own parameters, rather than taking the host's value: a setting the host gives
 * every pair (s3.bandwidth-limit) may then hold for all of them together. The host's pairs answer it (camel.Pairs).
 */
public interface OwnSettings {

    /** True when the pair {@code pair} sets {@code key} itself. */
    boolean setsItself(String pair, String key);

    /** The pairs that take the host's value of {@code key}, in the order they were added. */
    java.util.List<String> takingTheHosts(String key);
}
