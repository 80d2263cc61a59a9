package io.herd.backup.base;

import io.herd.backup.Layout;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StoredObject;
import io.herd.backup.wal.ArchivedWal;
import io.herd.backup.wal.WalArchive;
import io.herd.backup.wal.WalFileKind;
import io.herd.backup.wal.WalSegment;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * delete retain N / delete before NAME|TIME. Backups are ordered by the sentinel's StartTime (never by name, which
 * breaks after pg_upgrade). A kept delta keeps its whole chain, permanent backups are never deleted, and WAL is removed
 * only below the start segment of the oldest kept backup; timeline history files are always kept.
 */
public final class Retention
{
    /** Keys per delete call when reporting progress (S3's DeleteObjects takes at most 1000). */
    static final int DELETE_BATCH = 1000;

    private final Storage storage;
    private final BackupCatalog catalog;
    private final WalArchive walArchive;

    public Retention(Storage storage, BackupCatalog catalog, WalArchive walArchive)
    {
        this.storage = requireNonNull(storage, "storage is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.walArchive = requireNonNull(walArchive, "walArchive is null");
    }

    private record Entry(String name, BackupSentinel sentinel) {}

    public DeletePlan retain(int count)
            throws IOException
    {
        if (count < 1) {
            throw new IllegalArgumentException("retain needs a count of at least 1");
        }
        List<Entry> backups = ordered();
        Set<String> keep = new LinkedHashSet<>();
        for (int i = Math.max(0, backups.size() - count); i < backups.size(); i++) {
            keep.add(backups.get(i).name());
        }
        return plan(backups, keep);
    }

    /** Deletes backups that started before the named backup, or before the given RFC 3339 time. */
    public DeletePlan before(String nameOrTime)
            throws IOException
    {
        List<Entry> backups = ordered();
        Instant limit;
        Optional<Entry> named = backups.stream().filter(entry -> entry.name().equals(nameOrTime)).findFirst();
        if (named.isPresent()) {
            limit = named.get().sentinel().startTime();
        }
        else if (BackupName.parse(nameOrTime).isPresent()) {
            throw new BackupNotFoundException("backup " + nameOrTime + " not found in " + storage.location());
        }
        else {
            limit = parseTime(nameOrTime);
        }
        Set<String> keep = new LinkedHashSet<>();
        for (Entry entry : backups) {
            if (!entry.sentinel().startTime().isBefore(limit)) {
                keep.add(entry.name());
            }
        }
        if (keep.isEmpty() && !backups.isEmpty()) {
            // never delete every backup: the newest one stays
            keep.add(backups.get(backups.size() - 1).name());
        }
        return plan(backups, keep);
    }

    public void execute(DeletePlan plan)
            throws IOException
    {
        execute(plan, ProgressListener.NONE);
    }

    /** As above, reporting the number of objects deleted, in batches of {@value #DELETE_BATCH}. Sentinels go first. */
    public void execute(DeletePlan plan, ProgressListener progress)
            throws IOException
    {
        List<String> sentinels = plan.backupObjectKeys().stream().filter(key -> key.endsWith(Layout.SENTINEL_SUFFIX)).toList();
        List<String> rest = plan.backupObjectKeys().stream().filter(key -> !key.endsWith(Layout.SENTINEL_SUFFIX)).toList();
        progress.start(sentinels.size() + rest.size() + plan.walObjectKeys().size());
        for (List<String> keys : List.of(sentinels, rest, plan.walObjectKeys())) {
            for (int from = 0; from < keys.size(); from += DELETE_BATCH) {
                List<String> batch = keys.subList(from, Math.min(keys.size(), from + DELETE_BATCH));
                storage.delete(batch);
                progress.advance(batch.size());
            }
        }
    }

    private DeletePlan plan(List<Entry> backups, Set<String> keepRoots)
            throws IOException
    {
        Map<String, Entry> byName = new LinkedHashMap<>();
        backups.forEach(entry -> byName.put(entry.name(), entry));
        Set<String> keep = new LinkedHashSet<>();
        for (Entry entry : backups) {
            if (keepRoots.contains(entry.name()) || entry.sentinel().permanent() || isPermanent(entry.name())) {
                keep.addAll(catalog.chain(entry.name()));
            }
        }
        List<String> delete = new ArrayList<>();
        List<String> objectKeys = new ArrayList<>();
        for (Entry entry : backups) {
            if (keep.contains(entry.name())) {
                continue;
            }
            delete.add(entry.name());
            objectKeys.add(Layout.sentinelKey(entry.name()));
            storage.list(Layout.backupFolder(entry.name())).stream().map(StoredObject::key).forEach(objectKeys::add);
        }
        List<String> walKeys = new ArrayList<>();
        Optional<Long> oldestNeeded = keep.stream()
                .map(name -> WalSegment.parse(new BackupName(name).walFileName(), walArchive.segmentSize()).orElseThrow().number())
                .min(Comparator.naturalOrder());
        if (oldestNeeded.isPresent()) {
            for (ArchivedWal wal : walArchive.list()) {
                if (wal.kind().isEmpty() || wal.kind().get() == WalFileKind.TIMELINE_HISTORY || wal.segment().isEmpty()) {
                    continue;
                }
                if (wal.segment().get().number() < oldestNeeded.get()) {
                    walKeys.add(wal.object().key());
                }
            }
        }
        List<String> kept = backups.stream().map(Entry::name).filter(keep::contains).toList();
        return new DeletePlan(delete, kept, objectKeys, walKeys);
    }

    private boolean isPermanent(String name)
            throws IOException
    {
        return catalog.metadata(name).map(node -> node.path("is_permanent").asBoolean(false)).orElse(false);
    }

    private List<Entry> ordered()
            throws IOException
    {
        List<Entry> entries = new ArrayList<>();
        for (BackupInfo info : catalog.list()) {
            entries.add(new Entry(info.name().value(), catalog.sentinel(info.name().value())));
        }
        entries.sort(Comparator.comparing((Entry entry) -> entry.sentinel().startTime()).thenComparing(Entry::name));
        return entries;
    }

    private static Instant parseTime(String value)
            throws BackupException
    {
        try {
            return OffsetDateTime.parse(value).toInstant();
        }
        catch (DateTimeParseException e) {
            throw new BackupException("'" + value + "' is neither a backup name nor a time: expected base_<24 hex digits> or an RFC 3339 time such as 2025-03-01T01:00:00Z");
        }
    }
}
