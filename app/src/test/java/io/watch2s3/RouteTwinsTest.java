package io.watch2s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.camel.Pairs;
import io.watch2s3.support.S3TestServer;
import io.watch2s3.support.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.TryDefinition;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.ModelToXMLDumper;
import org.apache.camel.support.PluginHelper;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * routes/watch-to-s3.yaml and its XML twin routes/xml/watch-to-s3.xml are one pipeline: loaded into Camel, they give
 * the same beans (names, types, life-cycle methods, properties) and the same route models, step for step and option
 * for option. (The behaviour tests run against both as well; this says where they differ when they do.) Loading
 * creates the beans, so each file is loaded against a real S3 server and a tree and state of its own.
 */
class RouteTwinsTest {

    @TempDir
    Path dir;

    @Test
    void theXmlTwinLoadsIntoTheSameBeansAndRoutesAsTheYaml() throws Exception {
        Loaded yaml;
        Loaded xml;
        try (S3TestServer s3 = S3TestServer.start(dir.resolve("s3"))) {
            s3.createBucket("twins");
            yaml = load("file:routes/watch-to-s3.yaml", settings(s3, dir.resolve("yaml")));
            xml = load("file:routes/xml/watch-to-s3.xml", settings(s3, dir.resolve("xml")));
        }

        assertEquals(beansOfYaml(Path.of("routes/watch-to-s3.yaml")), beansOfXml(Path.of("routes/xml/watch-to-s3.xml")));
        assertEquals(yaml.routes().keySet(), xml.routes().keySet());
        for (String id : yaml.routes().keySet()) {
            assertEquals(yaml.routes().get(id), xml.routes().get(id), "route " + id);
        }
        assertTrue(beansOfXml(Path.of("routes/xml/watch-to-s3.xml")).size() > 20, "the beans were read");
        assertTrue(yaml.routes().size() > 10, "the routes were read: " + yaml.routes().keySet());
        assertTrue(yaml.routes().get("route twin-sync-batch").contains("<doCatch>"),
                "the comparison sees nested steps: " + yaml.routes().get("route twin-sync-batch"));
    }

    record Loaded(Map<String, String> routes) {
    }

    /**
     * The beans as the file declares them, in order. Read from the file, not from Camel's model: Camel empties the
     * property map of a builder bean (s3Client) once it built it.
     */
    @SuppressWarnings("unchecked")
    private static List<String> beansOfYaml(Path file) throws Exception {
        List<String> beans = new ArrayList<>();
        for (Object entry : (List<Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file))) {
            Map<String, Object> element = (Map<String, Object>) entry;
            List<Object> declaredBeans = new ArrayList<>();
            if (element.containsKey("beans")) {
                declaredBeans.addAll((List<Object>) element.get("beans"));
            }
            if (element.get("routeTemplate") instanceof Map<?, ?> found) {
                Map<String, Object> template = (Map<String, Object>) found;
                for (Object parameter : (List<Object>) template.getOrDefault("parameters", List.of())) {
                    beans.add("parameter " + new TreeMap<>((Map<String, Object>) parameter));
                }
                declaredBeans.addAll((List<Object>) template.getOrDefault("beans", List.of()));
            }
            for (Object bean : declaredBeans) {
                Map<String, Object> declared = new TreeMap<>((Map<String, Object>) bean);
                Map<String, Object> properties = (Map<String, Object>) declared.remove("properties");
                beans.add(declared + " " + new TreeMap<>(properties == null ? Map.of() : properties));
            }
        }
        return beans;
    }

    private static List<String> beansOfXml(Path file) throws Exception {
        List<String> beans = new ArrayList<>();
        Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        NodeList elements = document.getElementsByTagName("*");
        for (int i = 0; i < elements.getLength(); i++) {
            if (elements.item(i) instanceof Element parameter && parameter.getTagName().equals("templateParameter")) {
                Map<String, Object> declared = new TreeMap<>();
                for (int a = 0; a < parameter.getAttributes().getLength(); a++) {
                    String name = parameter.getAttributes().item(a).getNodeName();
                    String value = parameter.getAttributes().item(a).getNodeValue();
                    declared.put(name, name.equals("required") ? Boolean.valueOf(value) : value);
                }
                beans.add("parameter " + declared);
            }
            // a bean declared at the top or in the template, not a bean step of a route
            if (elements.item(i) instanceof Element bean && (bean.getTagName().equals("templateBean")
                    || bean.getTagName().equals("bean") && bean.getParentNode() == document.getDocumentElement())) {
                Map<String, Object> declared = new TreeMap<>();
                for (int a = 0; a < bean.getAttributes().getLength(); a++) {
                    declared.put(bean.getAttributes().item(a).getNodeName(), bean.getAttributes().item(a).getNodeValue());
                }
                Map<String, Object> properties = new TreeMap<>();
                NodeList property = bean.getElementsByTagName("property");
                for (int p = 0; p < property.getLength(); p++) {
                    Element e = (Element) property.item(p);
                    properties.put(e.getAttribute("key"), e.getAttribute("value"));
                }
                beans.add(declared + " " + properties);
            }
        }
        return beans;
    }

    private static Map<String, String> settings(S3TestServer s3, Path dir) throws Exception {
        Map<String, String> settings = TestApp.settings(s3, "twins", Files.createDirectories(dir.resolve("tree")),
                dir.resolve("state"));
        settings.put("sync.once", "false");
        return settings;
    }

    /** The file's model as Camel reads it, without starting any route. */
    private static Loaded load(String location, Map<String, String> settings) throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            settings.forEach(context.getPropertiesComponent()::addOverrideProperty);
            context.build();
            PluginHelper.getRoutesLoader(context).loadRoutes(
                    PluginHelper.getResourceLoader(context).resolveResource(location));
            TemplatedRouteBuilder.builder(context, Pairs.TEMPLATE).routeId("twin").add(); // one pair: its routes
            Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
            ModelToXMLDumper dumper = PluginHelper.getModelToXMLDumper(context);
            Map<String, String> routes = new TreeMap<>();
            for (RouteConfigurationDefinition configuration : model.getRouteConfigurationDefinitions()) {
                configuration.getOnExceptions().forEach(onException -> catchesAsSteps(onException.getOutputs()));
                routes.put("configuration " + configuration.getId(),
                        normalized(dumper.dumpModelAsXml(context, configuration, false, false, false)));
            }
            for (RouteDefinition route : model.getRouteDefinitions()) {
                catchesAsSteps(route.getOutputs());
                routes.put("route " + route.getId(),
                        normalized(dumper.dumpModelAsXml(context, route, false, false, false)));
            }
            return new Loaded(routes);
        }
    }

    /**
     * The YAML DSL keeps a doTry's doCatch and doFinally beside its steps, the XML DSL among them; the dump shows only
     * the steps. Put them where the XML has them, so that both dumps show everything.
     */
    private static void catchesAsSteps(List<ProcessorDefinition<?>> steps) {
        for (ProcessorDefinition<?> step : steps) {
            if (step instanceof TryDefinition doTry) {
                List<ProcessorDefinition<?>> all = new ArrayList<>(doTry.getOutputsWithoutCatches());
                all.addAll(doTry.getCatchClauses());
                if (doTry.getFinallyClause() != null) {
                    all.add(doTry.getFinallyClause());
                }
                doTry.setOutputs(all);
            }
            catchesAsSteps(step.getOutputs());
        }
    }

    private static final Pattern URI = Pattern.compile("uri=\"([^\"?]*)\\?([^\"]*)\"");

    /** Whitespace and the order of attributes and of URI options do not matter. */
    private static String normalized(String xml) {
        StringBuilder out = new StringBuilder();
        for (String line : xml.split("\n")) {
            // Camel numbers the routes made from templates across all contexts (nodePrefixId="route-7")
            String trimmed = line.trim().replaceAll(" nodePrefixId=\"[^\"]*\"", "");
            if (trimmed.isEmpty()) {
                continue;
            }
            Matcher uri = URI.matcher(trimmed);
            StringBuilder sortedUris = new StringBuilder();
            while (uri.find()) {
                List<String> options = new ArrayList<>(List.of(uri.group(2).split("&amp;|&")));
                options.sort(null);
                uri.appendReplacement(sortedUris, Matcher.quoteReplacement(
                        "uri=\"" + uri.group(1) + "?" + String.join("&", options) + "\""));
            }
            uri.appendTail(sortedUris);
            out.append(sortedAttributes(sortedUris.toString())).append('\n');
        }
        return out.toString();
    }

    private static final Pattern ATTRIBUTE = Pattern.compile("\\s([A-Za-z]+)=\"([^\"]*)\"");

    private static String sortedAttributes(String element) {
        Matcher attribute = ATTRIBUTE.matcher(element);
        TreeMap<String, String> attributes = new TreeMap<>();
        int first = -1;
        int last = -1;
        while (attribute.find()) {
            if (first < 0) {
                first = attribute.start();
            }
            last = attribute.end();
            attributes.put(attribute.group(1), attribute.group(2));
        }
        if (first < 0) {
            return element;
        }
        StringBuilder sorted = new StringBuilder(element.substring(0, first));
        attributes.forEach((name, value) -> sorted.append(' ').append(name).append("=\"").append(value).append('"'));
        return sorted.append(element.substring(last)).toString();
    }
}
