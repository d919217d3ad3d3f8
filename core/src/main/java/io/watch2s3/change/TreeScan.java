package io.watch2s3.change;

/** A look at the whole tree against the state database (the catch-up scan), asked for with a reason to log. */
public interface TreeScan {

    void request(String reason);

    /**
     * A scan once the changes being synced now are done: what it looks for cannot be missed by waiting, and a scan
     * during a burst finds the burst's own files (not synced yet) and syncs them a second time beside their batches.
     */
    void requestAfterBurst(String reason);

    /**
     * A directory the watcher reported that cannot be listed now (made closed, chmod 000, another user's): the watcher
     * could not watch it either. Noted as a directory the walk could not list is, so that the chmod that opens it
     * gets it watched and its files synced. False when it was noted already.
     */
    boolean cannotList(String dir);
}
