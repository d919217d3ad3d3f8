package io.watch2s3.camel;

import io.watch2s3.change.PathFilter;
import io.watch2s3.config.ConfigurationException;
import io.watch2s3.config.OwnSettings;
import io.watch2s3.config.Settings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.model.BeanFactoryDefinition;
import org.apache.camel.model.BeanModelHelper;
import org.apache.camel.model.DefaultRouteTemplateContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategy;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.DefaultRegistry;
import org.apache.camel.support.ObjectHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes each {@code templatedRoute} of the template {@value #TEMPLATE} a whole pipeline. A Camel route template is
 * one route, and watch2s3 is several (a watcher, timers, batches, uploads), so the other routes are templates too,
 * named {@value #PART_PREFIX}…: when the host adds a templated route {@code site}, this adds {@code site-catch-up},
 * {@code site-sync-file} and the rest from them with the same parameters (plus {@code pair}, the id), all in the route
 * group {@code site}, and creates the pair's beans from the template's {@code beans}, in their order.
 *
 * <p>Why not Camel's template-local beans: Camel creates them lazily, one route at a time, renames them per route
 * (a route must then write {@code {{bean}}} instead of the bean's name) and cannot share them between routes. Here
 * the pair's beans are created once, before its routes, and every route of the pair finds them by their plain names:
 * while Camel creates a route it asks this registry, which answers with the beans of that route's pair.
 */
public class Pairs extends ServiceSupport implements CamelContextAware, ModelLifecycleStrategy, OwnSettings {

    private static final Logger LOG = LoggerFactory.getLogger(Pairs.class);

    /** The template a host instantiates, once per directory → bucket pair. */
    public static final String TEMPLATE = "watch2s3";
    /** The other routes of a pair are templates whose id starts with this. */
    public static final String PART_PREFIX = "watch2s3-";
    /** The parameter that carries the pair's id into its routes ({{pair}}). */
    public static final String PAIR_PARAMETER = "pair";
    private static final Pattern PAIR_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    private final Map<String, Pair> pairs = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Pair> pairOfRoute = new ConcurrentHashMap<>();
    private final ThreadLocal<Pair> creating = new ThreadLocal<>();
    private final Map<RouteDefinition, RouteTemplateDefinition> fromOurTemplate =
            Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private CamelContext context;
    private Model model;

    @Override
    public void setCamelContext(CamelContext context) {
        this.context = context;
    }

    @Override
    public CamelContext getCamelContext() {
        return context;
    }

    /** The pairs of a Camel context, by id, in the order they were added. */
    public static Map<String, Pair> of(CamelContext context) {
        Pairs pairs = context.getRegistry().findSingleByType(Pairs.class);
        return pairs == null ? Map.of() : pairs.all();
    }

    public Map<String, Pair> all() {
        synchronized (pairs) {
            return new LinkedHashMap<>(pairs);
        }
    }

    @Override
    public boolean setsItself(String pair, String key) {
        Pair known = pairs.get(pair);
        return known != null && known.parameters().containsKey(key);
    }

    @Override
    public List<String> takingTheHosts(String key) {
        return all().values().stream().filter(p -> !p.parameters().containsKey(key)).map(Pair::id).toList();
    }

    /** initMethod: from now on, templated routes of {@value #TEMPLATE} become pairs. */
    public void register() throws Exception {
        model = context.getCamelContextExtension().getContextPlugin(Model.class);
        model.addModelLifecycleStrategy(this);
        model.addRouteTemplateDefinitionConverter(TEMPLATE, (template, parameters) -> {
            RouteDefinition route = RouteTemplateDefinition.Converter.DEFAULT_CONVERTER.apply(template, parameters);
            fromOurTemplate.put(route, template);
            return route;
        });
        if (!(context.getRegistry() instanceof DefaultRegistry registry)) {
            throw new IllegalStateException("watch2s3 needs Camel's DefaultRegistry, this host has "
                    + context.getRegistry().getClass().getName());
        }
        // in front of the registry's last resort, where beans bound by name live (DefaultRegistry.addBeanRepository
        // fails in a registry created without repositories, as a plain DefaultCamelContext's is)
        registry.setFallbackRegistry(new PairBeans(registry.getFallbackRegistry()));
        context.addService(this); // its stop destroys the pairs' beans
    }

    @Override
    public void onAddRouteDefinition(RouteDefinition route) {
        RouteTemplateDefinition template = fromOurTemplate.remove(route);
        if (template == null) {
            return;
        }
        String id = route.getId();
        if (id == null || !PAIR_ID.matcher(id).matches()) {
            throw new ConfigurationException("a templatedRoute of " + TEMPLATE + " needs a routeId of letters, digits,"
                    + " '-' and '_' (" + (id == null ? "none given" : "'" + id + "'") + "): it names the pair, its"
                    + " routes, its thread pool and its meters");
        }
        if (pairs.containsKey(id)) {
            throw new ConfigurationException("two templatedRoutes of " + TEMPLATE + " have the routeId '" + id + "'");
        }
        Map<String, Object> parameters = route.getTemplateParameters();
        parameters.put(PAIR_PARAMETER, id);
        Pair pair = new Pair(id, userParameters(route));
        for (String name : pair.parameters().keySet()) {
            if (Settings.isKnown(name) && (name.startsWith("management.") || name.startsWith("log."))) {
                throw ConfigurationException.forKey(name, "is shared by every pair (one HTTP port, one log) and no"
                        + " parameter of the pair " + id + "; set it once for all of them");
            }
            if (!Settings.isKnown(name)) {
                String closest = Settings.closestKey(name);
                throw ConfigurationException.forKey(name, "is no parameter of the pair " + id
                        + (closest == null ? "" : "; did you mean " + closest + "?"));
            }
        }
        pairs.put(id, pair);
        pairOfRoute.put(id, pair);
        route.setGroup(id);
        createBeans(pair, template.getTemplateBeans(), parameters);
        for (RouteTemplateDefinition part : List.copyOf(model.getRouteTemplateDefinitions())) {
            if (part.getId().startsWith(PART_PREFIX)) {
                String routeId = id + "-" + part.getId().substring(PART_PREFIX.length());
                pairOfRoute.put(routeId, pair);
                DefaultRouteTemplateContext partContext = new DefaultRouteTemplateContext(context);
                pair.parameters().forEach(partContext::setParameter);
                partContext.setParameter(PAIR_PARAMETER, id);
                try {
                    model.addRouteFromTemplate(routeId, part.getId(), null, id, partContext);
                } catch (Exception e) {
                    throw new IllegalStateException("pair " + id + ": cannot add its route " + routeId, e);
                }
            }
        }
    }

    /** What the templated route set (Camel adds the template's defaults and camelCase twins to the route's). */
    private static Map<String, Object> userParameters(RouteDefinition route) {
        Map<String, Object> given = new HashMap<>();
        if (route.getRouteTemplateContext() != null) {
            given.putAll(route.getRouteTemplateContext().getParameters());
        }
        given.remove(PAIR_PARAMETER);
        return given;
    }

    private void createBeans(Pair pair, List<BeanFactoryDefinition<RouteTemplateDefinition>> definitions,
            Map<String, Object> parameters) {
        if (definitions == null) {
            return;
        }
        PropertiesComponent properties = context.getPropertiesComponent();
        Properties local = new Properties();
        parameters.forEach((key, value) -> local.put(key, value == null ? "" : value.toString()));
        properties.setLocalProperties(local);
        creating.set(pair);
        try {
            for (BeanFactoryDefinition<?> definition : definitions) {
                pair.add(definition.getName(), createBean(pair, definition), definition.getDestroyMethod());
            }
        } finally {
            creating.remove();
            properties.setLocalProperties(null);
        }
    }

    /** One bean of the pair; a setting's own problem passes as it is, anything else names the pair and the bean. */
    private Object createBean(Pair pair, BeanFactoryDefinition<?> definition) {
        // a builder bean's properties are consumed by building it (Camel removes them from the definition): every
        // pair builds from the definition as written
        Map<String, Object> written = definition.getProperties() == null ? null
                : new LinkedHashMap<>(definition.getProperties());
        try {
            Object bean = BeanModelHelper.newInstance(definition, context);
            if (bean instanceof CamelContextAware aware) {
                aware.setCamelContext(context);
            }
            if (definition.getInitMethod() != null) {
                ObjectHelper.invokeMethodSafe(definition.getInitMethod(), bean);
            }
            return bean;
        } catch (Exception e) {
            ConfigurationException setting = ConfigurationException.foundIn(e);
            if (setting != null) {
                throw setting;
            }
            ConfigurationException failed = new ConfigurationException("pair " + pair.id() + ": the bean "
                    + definition.getName() + " of the route template cannot be created: " + rootMessage(e));
            failed.initCause(e);
            throw failed;
        } finally {
            definition.setProperties(written);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /**
     * A pair takes a state directory for itself: two pairs in one state database would each delete the other's
     * objects as "gone". Called by the pair's Watch2S3Setup.
     */
    public void claimStateDirectory(String pair, java.nio.file.Path directory) {
        java.nio.file.Path real;
        try {
            real = directory.toRealPath(); // a link to another pair's directory is that directory
        } catch (java.io.IOException e) {
            real = directory.toAbsolutePath().normalize(); // not there yet: the state database creates it
        }
        String other = stateDirectories.putIfAbsent(real, pair);
        if (other != null && !other.equals(pair)) {
            throw ConfigurationException.forKey("state.dir", "pairs " + other + " and " + pair + " both use " + directory
                    + "; give each pair a state.dir of its own");
        }
    }

    private final Map<java.nio.file.Path, String> stateDirectories = new ConcurrentHashMap<>();

    /**
     * A pair takes its keys for itself: two pairs writing the same keys overwrite each other's objects, and with
     * deletes on one deletes what the other still has (its state never hears of the other's uploads). The same bucket
     * and prefix is refused. A prefix inside another pair's (a symlinked public/uploads/ synced by a pair of its own,
     * as the README shows) is fine while the outer pair has nothing there: a warning when its tree holds a directory
     * of that name it does not exclude. Called by the pair's Watch2S3Setup.
     */
    public synchronized void claimTarget(String pair, String endpoint, Settings settings) {
        Target mine = new Target(pair, endpoint, settings.get("s3.bucket"), settings.get("s3.prefix"),
                settings.watchDir(), settings.get("sync.exclude"));
        for (Target other : targets) {
            if (other.pair.equals(pair) || !other.endpoint.equals(endpoint) || !other.bucket.equals(mine.bucket)) {
                continue;
            }
            if (other.prefix.equals(mine.prefix)) {
                throw ConfigurationException.forKey("s3.prefix", "pairs " + other.pair + " and " + pair
                        + " both write to s3://" + mine.bucket + "/" + mine.prefix + " and would overwrite and delete"
                        + " each other's objects; give each pair a bucket or an s3.prefix of its own");
            }
            if (mine.prefix.startsWith(other.prefix) || other.prefix.startsWith(mine.prefix)) {
                Target outer = mine.prefix.startsWith(other.prefix) ? other : mine;
                Target inner = outer == other ? mine : other;
                String below = inner.prefix.substring(outer.prefix.length(), inner.prefix.length() - 1);
                if (outer.holdsUnexcluded(below)) {
                    LOG.warn("pair {} writes to s3://{}/{}, inside pair {}'s s3://{}/{}, and {}'s tree has a"
                            + " directory {}: its files would be the same objects as {}'s; keep {} out of it"
                            + " (sync.exclude = {}/**)", inner.pair, inner.bucket, inner.prefix, outer.pair,
                            outer.bucket, outer.prefix, outer.pair, below, inner.pair, outer.pair, below);
                }
            }
        }
        targets.add(mine);
    }

    private record Target(String pair, String endpoint, String bucket, String prefix, java.nio.file.Path tree,
            String excludes) {

        boolean holdsUnexcluded(String directory) {
            PathFilter filter = new PathFilter();
            filter.setExclude(excludes);
            // "docs/**" leaves out everything in docs but not the name docs itself: ask for a name inside it
            return java.nio.file.Files.isDirectory(tree.resolve(directory), java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && !filter.excludesAllBelow(directory + "/any-name");
        }
    }

    private final List<Target> targets = new java.util.ArrayList<>();

    @Override
    public void onRemoveRouteDefinition(RouteDefinition route) {
        // the pair's beans live until the context stops
    }

    @Override
    public void onAddRouteTemplateDefinition(RouteTemplateDefinition template) {
        // templates become routes only through templated routes
    }

    @Override
    public void onRemoveRouteTemplateDefinition(RouteTemplateDefinition template) {
        // as above
    }

    @Override
    protected void doStop() {
        List<Pair> all = new ArrayList<>(all().values());
        Collections.reverse(all);
        all.forEach(Pair::destroy);
    }

    /**
     * The pair whose beans a lookup by name means: the pair being created, or the pair of the route Camel is
     * creating; after start-up, the only pair if there is one.
     */
    private Pair current() {
        Pair pair = creating.get();
        if (pair != null) {
            return pair;
        }
        String route = context.getCamelContextExtension().getCreateRoute();
        if (route != null && pairOfRoute.containsKey(route)) {
            return pairOfRoute.get(route);
        }
        synchronized (pairs) {
            return pairs.size() == 1 ? pairs.values().iterator().next() : null;
        }
    }

    /** The pairs' beans, then whatever the registry held before. */
    private final class PairBeans implements Registry {
        private final Registry before;

        PairBeans(Registry before) {
            this.before = before;
        }

        @Override
        public Object lookupByName(String name) {
            Pair pair = current();
            Object bean = pair == null ? null : pair.bean(name);
            return bean != null ? bean : before.lookupByName(name);
        }

        @Override
        public <T> T lookupByNameAndType(String name, Class<T> type) {
            Pair pair = current();
            Object bean = pair == null ? null : pair.bean(name);
            return type.isInstance(bean) ? type.cast(bean) : before.lookupByNameAndType(name, type);
        }

        /** Every pair's beans of a type (Camel finds health checks this way), named pair.bean, then the others. */
        @Override
        public <T> Map<String, T> findByTypeWithName(Class<T> type) {
            Map<String, T> found = new LinkedHashMap<>();
            Pair only = creating.get();
            Collection<Pair> searched = only != null ? List.of(only) : all().values();
            for (Pair pair : searched) {
                pair.beans().forEach((name, bean) -> {
                    if (type.isInstance(bean)) {
                        found.put(pair.id() + "." + name, type.cast(bean));
                    }
                });
            }
            found.putAll(before.findByTypeWithName(type));
            return found;
        }

        @Override
        public <T> Set<T> findByType(Class<T> type) {
            Set<T> found = new java.util.LinkedHashSet<>(findByTypeWithName(type).values());
            found.addAll(before.findByType(type));
            return found;
        }

        @Override
        public void bind(String id, Class<?> type, Object bean) {
            before.bind(id, type, bean);
        }

        @Override
        public void bind(String id, Class<?> type, Object bean, String initMethod, String destroyMethod) {
            before.bind(id, type, bean, initMethod, destroyMethod);
        }

        @Override
        public void bind(String id, Class<?> type, Supplier<Object> bean) {
            before.bind(id, type, bean);
        }

        @Override
        public void bind(String id, Class<?> type, Supplier<Object> bean, String initMethod, String destroyMethod) {
            before.bind(id, type, bean, initMethod, destroyMethod);
        }

        @Override
        public void bindAsPrototype(String id, Class<?> type, Supplier<Object> bean) {
            before.bindAsPrototype(id, type, bean);
        }

        @Override
        public void unbind(String id) {
            before.unbind(id);
        }
    }
}
