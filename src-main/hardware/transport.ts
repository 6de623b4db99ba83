import fs from 'node:fs';
import { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';

/**
 * What the driver needs from "a serial line": bytes in, bytes out, and being told when the line is gone. A real
 * RS485 adapter (SerialPort) and the in-process simulator both fit behind it, so the demo runs the same driver code
 * as a kiosk in the field. Each `open` yields a fresh link: reconnecting is just opening again.
 */
export interface LinkEvents {
  data(bytes: Buffer): void;
  /** The line went away (device unplugged, pty closed, write failed). Called at most once per link. */
  closed(err: Error | null): void;
}

export interface ByteLink {
  /** Resolves once the bytes have left our process (for a serial port: after tcdrain). Rejects if the line is gone. */
  write(bytes: Buffer): Promise<void>;
  /** Deliberate close: does not call `closed`. */
  close(): Promise<void>;
}

export interface Transport {
  /** For health and logs: a device path, or a description of the in-process pair. */
  readonly path: string;
  open(events: LinkEvents): Promise<ByteLink>;
}

export interface SerialOptions {
  path: string;
  baudRate: number;
}

/** A real serial device, 8N1. `lock` (the default) makes a second opener fail, as one bus has one master. */
export function serialTransport(opts: SerialOptions): Transport {
  return {
    path: opts.path,
    async open(events) {
      const port = new SerialPort({ path: opts.path, baudRate: opts.baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      // Closing (not destroying) releases the fd and its lock, so the same path can be opened again once it is back.
      const stopWatch = watchDeviceNode(opts.path, () => {
        if (port.isOpen) port.close(() => {});
      });
      port.once('close', stopWatch);
      return linkFromDuplex(port, events, (cb) => port.drain(cb));
    },
  };
}

/** How often an open serial device's node is checked for having gone away. */
export const DEVICE_WATCH_MS = 500;

/**
 * Calls `gone` once when the device node behind `devicePath` disappears or is replaced by another device (a USB
 * adapter pulled out, a pty whose other end died). A port that is only read from (a barcode scanner) otherwise learns
 * of an unplug only if the kernel happens to fail a read, which on Linux ptys it may never do; a port that is written
 * to (the lock board) learns on its next write anyway, so this only makes that sooner. Returns a stop function.
 */
export function watchDeviceNode(devicePath: string, gone: (why: string) => void, everyMs = DEVICE_WATCH_MS): () => void {
  let first: { rdev: number; ino: number } | null = null;
  let stopped = false;
  const check = () => {
    fs.stat(devicePath, (err, st) => {
      if (stopped) return;
      if (err) {
        stop();
        return gone(err.code ?? err.message);
      }
      if (!first) first = { rdev: st.rdev, ino: st.ino };
      else if (st.rdev !== first.rdev || st.ino !== first.ino) {
        stop();
        gone('replaced by another device');
      }
    });
  };
  const timer = setInterval(check, everyMs);
  timer.unref?.();
  check();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return stop;
}

/**
 * Wraps any Duplex as a ByteLink. A stream that errors, ends or closes is reported once as `closed`; a write after
 * that fails like a dead tty does (EIO), which the driver treats the same as a close.
 */
export function linkFromDuplex(stream: Duplex, events: LinkEvents, drain?: (cb: (err: Error | null) => void) => void): ByteLink {
  let done = false;
  let deliberate = false;
  const finish = (err: Error | null) => {
    if (done) return;
    done = true;
    stream.off('data', onData);
    if (!deliberate) events.closed(err);
  };
  const onData = (chunk: Buffer) => events.data(chunk);
  stream.on('data', onData);
  stream.on('error', (err: Error) => {
    finish(err);
    if (!stream.destroyed) stream.destroy();
  });
  stream.on('close', () => finish(null));
  stream.on('end', () => finish(null));

  return {
    write(bytes) {
      return new Promise<void>((resolve, reject) => {
        if (done || stream.destroyed || !stream.writable) return reject(Object.assign(new Error('EIO: line is closed'), { code: 'EIO' }));
        stream.write(bytes, (err) => {
          if (err) return reject(err);
          if (!drain) return resolve();
          drain((e) => (e ? reject(e) : resolve()));
        });
      });
    },
    close() {
      deliberate = true;
      finish(null);
      return new Promise<void>((resolve) => {
        if (stream.destroyed) return resolve();
        stream.once('close', () => resolve());
        if (stream instanceof SerialPort && stream.isOpen) stream.close(() => resolve());
        else stream.destroy();
      });
    },
  };
}

/**
 * Two connected in-memory Duplex ends, like a null-modem cable. Delivery is deferred to a later turn so a reply can
 * never arrive inside the write that caused it (as on a wire). Destroying either end destroys the other, which is
 * how the simulator "unplugs" the in-process port.
 */
export function streamPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peerIndex: number) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const peer = ends[peerIndex]!;
        if (peer.destroyed) return cb(Object.assign(new Error('EIO: peer is gone'), { code: 'EIO' }));
        setImmediate(() => {
          if (!peer.destroyed) peer.push(chunk);
        });
        cb();
      },
      destroy(err, cb) {
        const peer = ends[peerIndex]!;
        if (!peer.destroyed) setImmediate(() => peer.destroy());
        cb(err);
      },
    });
  ends.push(make(1), make(0));
  return [ends[0]!, ends[1]!];
}
