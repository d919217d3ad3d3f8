package io.watch2s3.camel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.support.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One directory → bucket pair: one {@code templatedRoute} of the template {@value Pairs#TEMPLATE}. Its id is the
 * templated route's id; it has its own routes ({@code <id>}, {@code <id>-sync-file}, …), its own beans (the template's
 * {@code beans}, created in their order when the pair is added) and its own settings (the templated route's
 * parameters, and for every key it does not set, the host's property of that name).
 */
public final class Pair {

    private static final Logger LOG = LoggerFactory.getLogger(Pair.class);

    private final String id;
    private final Map<String, Object> parameters;
    private final Map<String, Object> beans = new LinkedHashMap<>();
    private final Map<String, String> destroyMethods = new LinkedHashMap<>();

    Pair(String id, Map<String, Object> parameters) {
        this.id = id;
        this.parameters = parameters;
    }

    public String id() {
        return id;
    }

    /** The parameters the templated route gave, and the template's defaults. */
    public Map<String, Object> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    void add(String name, Object bean, String destroyMethod) {
        beans.put(name, bean);
        if (destroyMethod != null) {
            destroyMethods.put(name, destroyMethod);
        }
    }

    Object bean(String name) {
        return beans.get(name);
    }

    Map<String, Object> beans() {
        return Collections.unmodifiableMap(beans);
    }

    /** This pair's bean of {@code type}, or null when it has none or several. */
    public <T> T bean(Class<T> type) {
        T found = null;
        for (Object bean : beans.values()) {
            if (type.isInstance(bean)) {
                if (found != null) {
                    return null;
                }
                found = type.cast(bean);
            }
        }
        return found;
    }

    /** Calls the beans' destroy methods, the last created first. */
    void destroy() {
        List<String> names = new ArrayList<>(destroyMethods.keySet());
        Collections.reverse(names);
        for (String name : names) {
            try {
                ObjectHelper.invokeMethodSafe(destroyMethods.get(name), beans.get(name));
            } catch (Exception e) {
                LOG.warn("pair {}: stopping bean {} failed: {}", id, name, e.toString());
            }
        }
        destroyMethods.clear();
    }
}
