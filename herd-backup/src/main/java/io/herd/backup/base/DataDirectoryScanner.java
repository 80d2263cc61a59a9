package io.herd.backup.base;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Lists what a base backup holds, with WAL-G's exclusions: the contents of pg_wal and other runtime directories are
 * left out (the directories themselves are kept, empty), as are postmaster.pid and friends. global/pg_control is
 * listed separately because it is uploaded last. Tablespace links under pg_tblspc are followed.
 */
public final class DataDirectoryScanner
{
    public static final String PG_CONTROL = "/global/pg_control";

    private static final Set<String> EMPTY_DIRECTORIES = Set.of(
            "pg_wal", "pg_xlog", "log", "pg_log", "pg_dynshmem", "pg_notify", "pg_replslot", "pg_serial", "pg_stat_tmp", "pg_snapshots", "pg_subtrans");
    private static final Set<String> TOP_LEVEL_FILES = Set.of(
            "postmaster.pid", "postmaster.opts", "recovery.conf", "standby.signal", "recovery.signal", "postgresql.auto.conf.tmp",
            "backup_label", "tablespace_map", "backup_label.old", "tablespace_map.old");
    private static final Set<String> ANYWHERE = Set.of("pgsql_tmp", "pg_internal.init");

    private DataDirectoryScanner() {}

    public static List<DataFile> scan(Path pgData)
            throws IOException
    {
        List<DataFile> files = new ArrayList<>();
        scanDirectory(pgData, "", files);
        return files;
    }

    private static void scanDirectory(Path directory, String relative, List<DataFile> files)
            throws IOException
    {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            stream.forEach(children::add);
        }
        catch (NoSuchFileException e) {
            return;
        }
        children.sort(null);
        boolean topLevel = relative.isEmpty();
        for (Path child : children) {
            String name = child.getFileName().toString();
            String tarPath = relative + "/" + name;
            if (ANYWHERE.contains(name) || name.startsWith("pgsql_tmp") || (topLevel && TOP_LEVEL_FILES.contains(name)) || tarPath.equals(PG_CONTROL)) {
                continue;
            }
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            }
            catch (NoSuchFileException e) {
                continue;
            }
            boolean tablespaceLink = attributes.isSymbolicLink() && relative.equals("/pg_tblspc");
            if (attributes.isSymbolicLink() && !tablespaceLink) {
                if (topLevel && EMPTY_DIRECTORIES.contains(name)) {
                    // e.g. pg_wal linked elsewhere: restore it as an empty directory
                    files.add(new DataFile(tarPath, child, true, 0, attributes.lastModifiedTime().toInstant()));
                }
                continue;
            }
            if (attributes.isDirectory() || tablespaceLink) {
                files.add(new DataFile(tarPath, child, true, 0, attributes.lastModifiedTime().toInstant()));
                if (!(topLevel && EMPTY_DIRECTORIES.contains(name))) {
                    scanDirectory(tablespaceLink ? child.toRealPath() : child, tarPath, files);
                }
            }
            else if (attributes.isRegularFile()) {
                files.add(new DataFile(tarPath, child, false, attributes.size(), attributes.lastModifiedTime().toInstant()));
            }
        }
    }
}
