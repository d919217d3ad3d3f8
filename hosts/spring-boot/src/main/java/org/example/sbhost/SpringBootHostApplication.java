package org.example.sbhost;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A Camel Spring Boot application of its own; watch2s3 is one more set of routes in it (application.properties). */
@SpringBootApplication
public class SpringBootHostApplication {

    public static void main(String[] args) {
        SpringApplication.run(SpringBootHostApplication.class, args);
    }
}
