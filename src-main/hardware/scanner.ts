import { createLogger } from '../log';
import type { ByteLink, Transport } from './transport';

const log = createLogger('scanner');

/** Longest read we accept: a signed badge token is a few hundred characters; anything longer is line noise. */
const MAX_READ = 2048;
/** Printable ASCII only: scanners send what is printed on the label, nothing else. */
const PRINTABLE = /^[\x20-\x7e]+$/;

export interface ScannerHealth {
  connected: boolean;
  reads: number;
  rejected: number;
}

/**
 * A serial barcode scanner: each read arrives as a line (CR, LF or CRLF). Reads that are not printable ASCII or are
 * too long are dropped and counted, never passed on; the page only ever sees whole, clean reads. The port is
 * reopened with backoff when the scanner is unplugged, like the lock boards.
 */
export class SerialScanner {
  private link: ByteLink | null = null;
  private buffer = '';
  private overflow = false;
  private closed = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | null = null;
  private readonly stats: ScannerHealth = { connected: false, reads: 0, rejected: 0 };

  constructor(
    private readonly transport: Transport,
    private readonly onRead: (text: string) => void,
  ) {
    void this.connect();
  }

  health(): ScannerHealth {
    return { ...this.stats };
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    try {
      this.link = await this.transport.open({ data: (b) => this.onBytes(b), closed: (err) => this.lost(err) });
      if (this.closed) return void this.link.close();
      this.stats.connected = true;
      this.retryMs = 250;
    } catch (err) {
      this.lost(err as Error);
    }
  }

  private lost(err: Error | null): void {
    this.stats.connected = false;
    this.link = null;
    // Half a read from before the unplug is not the start of the next scan (it would glue "PKG-00" to "PKG-0042").
    this.buffer = '';
    this.overflow = false;
    if (this.closed) return;
    log.warn('scanner port lost; reconnecting', { path: this.transport.path, error: err?.message ?? null, retryMs: this.retryMs });
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  private onBytes(bytes: Buffer): void {
    this.buffer += bytes.toString('latin1');
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end < 0) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      if (this.overflow) {
        this.overflow = false; // the tail of an over-long read: drop it with its head
        continue;
      }
      if (line.length === 0) continue; // the LF of a CRLF
      this.accept(line);
    }
    if (this.buffer.length > MAX_READ) {
      this.stats.rejected++;
      this.buffer = '';
      this.overflow = true;
    }
  }

  private accept(line: string): void {
    if (line.length > MAX_READ || !PRINTABLE.test(line)) {
      this.stats.rejected++;
      return;
    }
    this.stats.reads++;
    this.onRead(line);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.link?.close();
    this.link = null;
    this.stats.connected = false;
  }
}
