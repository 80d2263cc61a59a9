package io.herd.backup.wal;

import io.herd.backup.base.BackupCatalog;
import io.herd.backup.base.BackupInfo;
import io.herd.backup.base.BackupSentinel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * wal-verify: from the start segment of the oldest backup to the newest archived segment, every segment number must
 * be present on some timeline at or above the backup's. Uses only a listing, never reads contents.
 */
public final class WalVerifier
{
    private final WalArchive walArchive;
    private final BackupCatalog catalog;

    public WalVerifier(WalArchive walArchive, BackupCatalog catalog)
    {
        this.walArchive = requireNonNull(walArchive, "walArchive is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
    }

    /** A run of missing segments, inclusive. */
    public record Gap(String first, String last, long count) {}

    public record Report(Optional<String> oldestBackup, Optional<String> from, Optional<String> to, long segmentsChecked, List<Gap> gaps)
    {
        public Report
        {
            requireNonNull(oldestBackup, "oldestBackup is null");
            requireNonNull(from, "from is null");
            requireNonNull(to, "to is null");
            gaps = List.copyOf(requireNonNull(gaps, "gaps is null"));
        }

        public boolean ok()
        {
            return gaps.isEmpty();
        }
    }

    public Report verify()
            throws IOException
    {
        List<BackupInfo> backups = catalog.list();
        if (backups.isEmpty()) {
            return new Report(Optional.empty(), Optional.empty(), Optional.empty(), 0, List.of());
        }
        BackupInfo oldest = backups.get(0);
        BackupSentinel oldestSentinel = catalog.sentinel(oldest.name().value());
        for (BackupInfo info : backups) {
            BackupSentinel sentinel = catalog.sentinel(info.name().value());
            if (sentinel.startTime().isBefore(oldestSentinel.startTime())) {
                oldest = info;
                oldestSentinel = sentinel;
            }
        }
        WalSegment start = WalSegment.parse(oldest.walFileName(), walArchive.segmentSize()).orElseThrow();
        TreeMap<Long, Long> highestTimeline = new TreeMap<>();
        for (ArchivedWal wal : walArchive.list()) {
            if (wal.kind().equals(Optional.of(WalFileKind.SEGMENT)) && wal.segment().isPresent() && wal.segment().get().timeline() >= start.timeline()) {
                highestTimeline.merge(wal.segment().get().number(), wal.segment().get().timeline(), Math::max);
            }
        }
        Long lastNumber = highestTimeline.isEmpty() ? null : highestTimeline.lastKey();
        if (lastNumber == null || lastNumber < start.number()) {
            return new Report(Optional.of(oldest.name().value()), Optional.of(start.name()), Optional.empty(), 1,
                    List.of(new Gap(start.name(), start.name(), 1)));
        }
        List<Gap> gaps = new ArrayList<>();
        WalSegment gapStart = null;
        WalSegment previous = null;
        long timeline = start.timeline();
        for (long number = start.number(); number <= lastNumber; number++) {
            Long found = highestTimeline.get(number);
            if (found != null) {
                timeline = Math.max(timeline, found);
            }
            WalSegment segment = new WalSegment(timeline, number, start.segmentsPerLogId());
            if (found == null && gapStart == null) {
                gapStart = segment;
            }
            if (found != null && gapStart != null) {
                gaps.add(new Gap(gapStart.name(), previous.name(), previous.number() - gapStart.number() + 1));
                gapStart = null;
            }
            previous = segment;
        }
        WalSegment end = new WalSegment(highestTimeline.get(lastNumber), lastNumber, start.segmentsPerLogId());
        return new Report(Optional.of(oldest.name().value()), Optional.of(start.name()), Optional.of(end.name()), lastNumber - start.number() + 1, gaps);
    }
}
