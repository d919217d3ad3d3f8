package io.watch2s3.support;

/** Runs a system command for a test's set-up (mount, umount), its output discarded. */
public final class Processes {

    private Processes() {
    }

    /** The command's exit code. */
    public static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
