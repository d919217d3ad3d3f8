package io.watch2s3;

import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.Settings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The pairs the command line runs beside its own ({@value SyncApplication#PAIR}), from keys
 * {@code pair.<name>.<key>} in the properties file or as {@code -D}: each becomes a templatedRoute of the template,
 * with those keys as its parameters. A key a pair leaves out is main's, except {@code state.dir}: two pairs cannot
 * share a state database, so a pair's own is {@code <state.dir>/pairs/<name>} unless it sets one.
 */
final class PairSettings {

    static final String PREFIX = "pair.";

    private PairSettings() {
    }

    /** The pairs named in {@code sources}, by name; a later source wins for the same key (-D over the file). */
    static Map<String, Map<String, String>> from(Properties... sources) {
        Map<String, Map<String, String>> pairs = new TreeMap<>();
        for (Properties source : sources) {
            for (String key : source.stringPropertyNames()) {
                if (key.startsWith(PREFIX)) {
                    String rest = key.substring(PREFIX.length());
                    int dot = rest.indexOf('.');
                    if (dot <= 0 || dot == rest.length() - 1) {
                        throw ConfigurationException.forKey(key, "a pair's key is pair.<name>.<key>,"
                                + " e.g. pair.docs.watch.dir");
                    }
                    String name = rest.substring(0, dot);
                    if (name.equals(SyncApplication.PAIR)) {
                        throw ConfigurationException.forKey(key, "'" + SyncApplication.PAIR + "' is the command"
                                + " line's own pair: set its keys without the prefix ("
                                + rest.substring(dot + 1) + ")");
                    }
                    pairs.computeIfAbsent(name, n -> new LinkedHashMap<>())
                            .put(rest.substring(dot + 1), source.getProperty(key).trim());
                }
            }
        }
        return pairs;
    }

    /** A pair's parameters, with its own state directory under main's when it names none. */
    static Map<String, String> parameters(String name, Map<String, String> given, Settings main) {
        Map<String, String> parameters = new LinkedHashMap<>(given);
        parameters.putIfAbsent("state.dir", main.stateDir().resolve("pairs").resolve(name).toString());
        return parameters;
    }
}
