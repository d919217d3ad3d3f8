package io.watch2s3.change;

import java.util.List;

/**
 * Whether the watcher watches the directories a batch found on disk (made, moved in, their mode changed). The watcher
 * cannot watch a directory it cannot read when it sees it made, and says nothing (camel-file-watch skips it): a chmod
 * that opens it later reports the directory, not the files in it, and those waited for the next periodic scan.
 */
public interface WatchedDirectories {

    /** Looks at {@code directories} (relative to watch.dir); one that can be read but is not watched gets it fixed. */
    void checkWatched(List<String> directories);
}
