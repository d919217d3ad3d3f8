package io.watch2s3;

import java.nio.file.Path;

/** The command line: {@code [--properties FILE] [--help] [--version]}. */
record CommandLine(Path propertiesFile, boolean help, boolean version, boolean once, boolean dryRun) {

    static final String USAGE = """
            Usage: java -jar watch2s3.jar [--properties FILE] [--once] [--dry-run] [--help] [--version]

            Keeps an S3 bucket in step with a local directory tree: watches watch.dir, batches changes until the
            tree is quiet, and uploads (and, with sync.deletes=true, deletes) only what changed. A local state
            database remembers what S3 holds, so the bucket is never listed.

              --properties FILE  settings to use (default: ./application.properties if present, else built-in)
              --once             scan the tree, sync what changed, exit: 0 when every file was synced, 1 if not
                                 (for cron)
              --dry-run          like --once, but only log each PUT and DELETE it would do: neither S3 nor the
                                 state database is changed
              --help             this text
              --version          the version

            Every setting can also be given as -Dkey=value or as an environment variable (watch.dir -> WATCH_DIR).
            With s3.endpoint=local (the default) a built-in S3 endpoint on 127.0.0.1 keeps the objects under
            state.dir, to try it without an AWS account. Routes are read from ./routes/*.yaml and *.xml if present.
            """;

    static CommandLine parse(String... args) {
        Path properties = null;
        boolean help = false;
        boolean version = false;
        boolean once = false;
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> help = true;
                case "--version" -> version = true;
                case "--once" -> once = true;
                case "--dry-run" -> dryRun = true;
                case "--properties" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--properties needs a file name");
                    }
                    properties = Path.of(args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'; see --help");
            }
        }
        return new CommandLine(properties, help, version, once, dryRun);
    }
}
