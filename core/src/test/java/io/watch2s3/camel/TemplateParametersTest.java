package io.watch2s3.camel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.watch2s3.config.Setting;
import io.watch2s3.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;

/**
 * What a host reads about the template before it adds a pair: every setting a pair can have is a parameter, each
 * described with its kind and default, the secret marked as one. None is required and none carries a defaultValue:
 * a parameter left out must fall through to the host's own property of that name, which a default would hide.
 */
class TemplateParametersTest {

    @Test
    void everyPairSettingIsADescribedParameterWithItsDefault() throws Exception {
        Map<String, RouteTemplateParameterDefinition> parameters;
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            PluginHelper.getRoutesLoader(camel).loadRoutes(PluginHelper.getResourceLoader(camel)
                    .resolveResource("classpath:watch2s3/routes/watch-to-s3.yaml"));
            parameters = camel.getCamelContextExtension().getContextPlugin(Model.class)
                    .getRouteTemplateDefinition(Pairs.TEMPLATE).getTemplateParameters().stream()
                    .collect(Collectors.toMap(RouteTemplateParameterDefinition::getName, Function.identity()));
        }
        List<String> pairSettings = Settings.CONTRACT.stream().filter(Setting::supported).map(Setting::key)
                .filter(key -> !key.startsWith("management.") && !key.startsWith("log.")).toList();
        assertEquals(pairSettings.stream().sorted().toList(), parameters.keySet().stream().sorted().toList());
        for (RouteTemplateParameterDefinition parameter : parameters.values()) {
            String description = parameter.getDescription();
            assertTrue(description != null && description.contains("default"),
                    parameter.getName() + ": " + description);
            assertFalse(parameter.isRequired(), parameter.getName());
            assertEquals(null, parameter.getDefaultValue(), parameter.getName());
        }
        assertTrue(parameters.get("s3.secret-key").getDescription().startsWith("A secret"));
    }
}
