import type { HeartbeatDisk } from '../../src-shared/sync-protocol';

const MiB = 1024 * 1024;

/** Bytes as an operator reads them: MiB below 10 GiB, GiB above (one decimal). */
export function bytes(n: number): string {
  return n >= 10 * 1024 * MiB ? `${(n / (1024 * MiB)).toFixed(1)} GiB` : `${Math.floor(n / MiB)} MiB`;
}

/**
 * A kiosk's disk as its last heartbeat said (ADR disk-bounds): free space of the file system, the data dir's size, and
 * "Low" in the alarm colour when free space is under the kiosk's reserve (it then refuses new pickups and drop-offs).
 * Older kiosks send nothing: a dash.
 */
export function DiskUse({ disk }: { disk: HeartbeatDisk | null | undefined }) {
  if (!disk) return <>—</>;
  return (
    <span data-testid="disk-use">
      {disk.low && <strong className="status off">Low · </strong>}
      {bytes(disk.freeBytes)} free of {bytes(disk.totalBytes)} · data {bytes(disk.dataDirBytes)}
      {disk.low && <small> (reserve {bytes(disk.reserveBytes)})</small>}
    </span>
  );
}
