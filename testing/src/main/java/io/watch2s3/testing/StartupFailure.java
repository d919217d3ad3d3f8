package io.watch2s3.testing;

/** What a host shows when watch2s3's start-up checks stop it. */
public final class StartupFailure {

    private StartupFailure() {
    }

    /**
     * The one-line message of the watch2s3 check among {@code failure} and its causes (a host wraps it several times).
     * @throws AssertionError when no watch2s3 check stopped the start
     */
    public static String watch2s3Line(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getClass().getName().equals("io.watch2s3.config.ConfigurationException")) {
                return t.getMessage();
            }
        }
        throw new AssertionError("not stopped by a watch2s3 check", failure);
    }
}
