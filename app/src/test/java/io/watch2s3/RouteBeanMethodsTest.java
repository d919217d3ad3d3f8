package io.watch2s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.component.bean.BeanInfo;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Every bean method the routes call must resolve to exactly one Java method, whatever order the JVM lists them in.
 * Camel reads a name such as "failed" as the getter getFailed() too, and with both present it picked one or threw
 * AmbiguousMethodCallException depending on the JVM — every error branch threw in one host while the suite passed.
 * And no call may carry arguments in its text: Camel parses them, so a file name "null" arrived as null.
 */
class RouteBeanMethodsTest {

    record Call(String route, String bean, String method) {
    }

    @Test
    void everyMethodTheRoutesCallResolvesToExactlyOneJavaMethod() throws Exception {
        List<Call> calls = new ArrayList<>();
        Map<String, String> beanTypes = new HashMap<>();
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                collect(file, load(file), beanTypes, calls);
            }
        }
        assertTrue(calls.size() > 20, "the routes call their beans: " + calls.size());
        List<String> problems = new ArrayList<>();
        for (Call call : calls) {
            String type = beanTypes.get(call.bean());
            if (type == null) {
                problems.add(call + ": no bean of that name is declared");
                continue;
            }
            if (call.method().contains("(")) {
                problems.add(call + ": arguments in a method-call string are parsed by Camel; bind them by type or header");
                continue;
            }
            List<Method> candidates = candidates(Class.forName(type), call.method());
            if (candidates.size() != 1) {
                problems.add(call + " on " + type + " can resolve to " + candidates.size() + " methods: " + candidates);
            }
        }
        assertEquals(List.of(), problems);
    }

    /** The check itself: the very class shape that threw in production is caught. */
    @Test
    void aMethodNamedLikeAGetterIsReportedAsAmbiguous() {
        assertEquals(2, candidates(CountersAsTheyWere.class, "failed").size());
        assertEquals(2, candidates(CountersAsTheyWere.class, "getFailed").size());
        assertEquals(2, candidates(CountersAsTheyWere.class, "unchanged").size(), "overloads are ambiguous too");
        assertEquals(1, candidates(CountersAsTheyWere.class, "countUploaded").size());
    }

    /** What Camel's BeanInfo may pick for {@code name}: the methods of that name, and getters it takes it for. */
    static List<Method> candidates(Class<?> type, String name) {
        List<Method> found = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.isBridge() || m.isSynthetic() || m.getDeclaringClass() == Object.class
                    || !Modifier.isPublic(m.getModifiers())) {
                continue;
            }
            boolean sameName = m.getName().equals(name);
            boolean getterForName = BeanInfo.isGetter(m) && BeanInfo.getGetterShorthandName(m).equals(name);
            boolean nameIsItsGetter = name.equals(m.getName()) ? false
                    : Arrays.stream(type.getMethods()).anyMatch(g -> g.getName().equals(name) && BeanInfo.isGetter(g)
                            && BeanInfo.getGetterShorthandName(g).equals(m.getName()));
            if (sameName || getterForName || nameIsItsGetter) {
                found.add(m);
            }
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static void collect(Path file, Object node, Map<String, String> beanTypes, List<Call> calls) {
        if (node instanceof List<?> list) {
            for (Object item : list) {
                collect(file, item, beanTypes, calls);
            }
        } else if (node instanceof Map<?, ?> map) {
            // the global beans and the route template's (the pair's) beans
            if (map.get("beans") instanceof List<?> beans) {
                for (Object bean : beans) {
                    Map<String, Object> b = (Map<String, Object>) bean;
                    beanTypes.put((String) b.get("name"), ((String) b.get("type")).replaceFirst("^#class:", ""));
                }
            }
            if (map.get("ref") instanceof String ref && map.get("method") instanceof String method) {
                calls.add(new Call(file.getFileName().toString(), ref, method));
            }
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!"beans".equals(entry.getKey())) {
                    collect(file, entry.getValue(), beanTypes, calls);
                }
            }
        }
    }

    private static Object load(Path file) throws IOException {
        return new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }

    /** The shape of SyncCounters that made every error branch throw in a host. */
    public static class CountersAsTheyWere {
        public void failed() {
        }

        public long getFailed() {
            return 0;
        }

        public void unchanged() {
        }

        public void unchanged(long n) {
        }

        public void countUploaded(long bytes) {
        }
    }
}
