package org.example.host;

import org.apache.camel.main.Main;

/** A Camel Main application of its own; watch2s3 is one more set of routes in it (see application.properties). */
public final class HostApplication {

    private HostApplication() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(HostApplication.class);
        main.run(args);
    }
}
