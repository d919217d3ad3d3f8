package io.watch2s3.tree;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One stat of a path, its symlink not followed: whether it is a regular file or a directory, its size, its mtime and
 * ctime in nanoseconds since the epoch, and its number of hard links. The ctime is the time of the inode's last change
 * (a write, a rename, a chmod), which no tool can set back; where the file system has no "unix" view it is
 * {@link #UNKNOWN_CTIME}, and the links count as 1.
 */
public record FileStat(boolean isRegularFile, boolean isDirectory, long size, long mtimeNanos, long ctimeNanos,
        int links, long inode) {

    public static final long UNKNOWN_CTIME = Long.MIN_VALUE;
    public static final long UNKNOWN_INODE = -1;

    // one stat for all of them: the "unix" view is the JDK's only way to the ctime
    private static final String UNIX_ATTRIBUTES = "unix:isRegularFile,isDirectory,size,lastModifiedTime,ctime,nlink,ino";

    public static FileStat of(Path path) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(path, UNIX_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            BasicFileAttributes b = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return new FileStat(b.isRegularFile(), b.isDirectory(), b.size(), nanos(b.lastModifiedTime()),
                    UNKNOWN_CTIME, 1, UNKNOWN_INODE);
        }
        return new FileStat((Boolean) a.get("isRegularFile"), (Boolean) a.get("isDirectory"), (Long) a.get("size"),
                nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")), (Integer) a.get("nlink"),
                (Long) a.get("ino"));
    }

    private static long nanos(FileTime time) {
        return time.to(TimeUnit.NANOSECONDS);
    }
}
