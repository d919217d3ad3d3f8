package io.watch2s3.local;

import org.apache.catalina.connector.Connector;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * S3Mock's plain-HTTP connector is added by hand and ignores server.address, so it would listen on every address.
 * This Spring configuration, added to S3Mock's context, binds every Tomcat connector to 127.0.0.1. It also lets
 * Tomcat pass an encoded backslash (%5C) through to S3Mock, as S3 takes it: by default Tomcat answers 400, so a file
 * named a\b.txt could not be stored.
 */
@Configuration(proxyBeanMethods = false)
public class LoopbackOnlyConnectors {

    @Bean
    static BeanPostProcessor bindConnectorsToLoopback() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof TomcatServletWebServerFactory factory) {
                    factory.setAddress(java.net.InetAddress.getLoopbackAddress());
                    factory.addConnectorCustomizers(c -> c.setEncodedReverseSolidusHandling("passthrough"));
                    for (Connector connector : factory.getAdditionalTomcatConnectors()) {
                        connector.setProperty("address", "127.0.0.1");
                        connector.setEncodedReverseSolidusHandling("passthrough");
                    }
                }
                return bean;
            }
        };
    }
}
