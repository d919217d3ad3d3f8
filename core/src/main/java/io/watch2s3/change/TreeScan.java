package io.watch2s3.change;

/** A look at the whole tree against the state database (the catch-up scan), asked for with a reason to log. */
public interface TreeScan {

    void request(String reason);
}
