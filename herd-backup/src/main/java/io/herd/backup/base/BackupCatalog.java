package io.herd.backup.base;

import com.fasterxml.jackson.databind.JsonNode;
import io.herd.backup.Layout;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StoredBlob;
import io.herd.backup.storage.StoredObject;
import io.herd.backup.wal.CorruptObjectException;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The backups in basebackups_005/: a backup exists only when its sentinel does. */
public final class BackupCatalog
{
    public static final String LATEST = "LATEST";

    private final Storage storage;

    public BackupCatalog(Storage storage)
    {
        this.storage = requireNonNull(storage, "storage is null");
    }

    /** Backups ordered oldest first by the sentinel's LastModified, as WAL-G orders them. */
    public List<BackupInfo> list()
            throws IOException
    {
        List<BackupInfo> backups = new ArrayList<>();
        for (StoredObject object : storage.list(Layout.BASEBACKUPS_PATH)) {
            String rest = object.key().substring(Layout.BASEBACKUPS_PATH.length());
            if (rest.contains("/") || !rest.endsWith(Layout.SENTINEL_SUFFIX)) {
                continue;
            }
            BackupName.parse(rest.substring(0, rest.length() - Layout.SENTINEL_SUFFIX.length()))
                    .ifPresent(name -> backups.add(new BackupInfo(name, object.lastModified())));
        }
        backups.sort(Comparator.comparing(BackupInfo::modified).thenComparing(info -> info.name().value()));
        return backups;
    }

    /** A backup by name, or the newest one for LATEST. */
    public BackupInfo resolve(String nameOrLatest)
            throws IOException
    {
        List<BackupInfo> backups = list();
        if (nameOrLatest.equals(LATEST)) {
            if (backups.isEmpty()) {
                throw new BackupNotFoundException("no backups in " + storage.location());
            }
            return backups.get(backups.size() - 1);
        }
        return backups.stream()
                .filter(info -> info.name().value().equals(nameOrLatest))
                .findFirst()
                .orElseThrow(() -> new BackupNotFoundException("backup " + nameOrLatest + " not found in " + storage.location()));
    }

    /** The newest backup that finished before the given time (for point-in-time recovery). */
    public Optional<BackupInfo> latestFinishedBefore(Instant target)
            throws IOException
    {
        List<BackupInfo> backups = list();
        for (int i = backups.size() - 1; i >= 0; i--) {
            if (sentinel(backups.get(i).name().value()).finishTime().isBefore(target)) {
                return Optional.of(backups.get(i));
            }
        }
        return Optional.empty();
    }

    public BackupSentinel sentinel(String name)
            throws IOException
    {
        byte[] content = read(Layout.sentinelKey(name))
                .orElseThrow(() -> new BackupNotFoundException("backup " + name + " not found in " + storage.location()));
        try {
            return BackupSentinel.fromJson(content);
        }
        catch (IOException e) {
            throw new CorruptObjectException("sentinel of backup " + name + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    public Optional<FilesMetadata> filesMetadata(String name)
            throws IOException
    {
        Optional<byte[]> content = read(Layout.backupFolder(name) + Layout.FILES_METADATA);
        if (content.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(FilesMetadata.fromJson(content.get()));
        }
        catch (IOException e) {
            throw new CorruptObjectException("files_metadata.json of backup " + name + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    public Optional<JsonNode> metadata(String name)
            throws IOException
    {
        Optional<byte[]> content = read(Layout.backupFolder(name) + Layout.METADATA);
        if (content.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(BackupMetadata.parse(content.get()));
    }

    /** The delta chain ending at name, full backup first. */
    public List<String> chain(String name)
            throws IOException
    {
        List<String> chain = new ArrayList<>();
        String current = name;
        while (true) {
            if (chain.contains(current) || chain.size() > 1000) {
                throw new CorruptObjectException("delta chain of " + name + " loops at " + current);
            }
            chain.add(0, current);
            BackupSentinel sentinel = sentinel(current);
            if (sentinel.deltaFrom().isEmpty()) {
                return chain;
            }
            current = sentinel.deltaFrom().get();
        }
    }

    private Optional<byte[]> read(String key)
            throws IOException
    {
        Optional<StoredBlob> blob = storage.get(key);
        if (blob.isEmpty()) {
            return Optional.empty();
        }
        try (StoredBlob opened = blob.get()) {
            return Optional.of(opened.content().readAllBytes());
        }
    }
}
