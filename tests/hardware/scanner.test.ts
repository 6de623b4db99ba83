import { describe, it, expect, afterEach } from 'vitest';
import type { SerialPort } from 'serialport';
import { SerialScanner } from '../../src-main/hardware/scanner';
import { serialTransport } from '../../src-main/hardware/transport';
import { PtyPair, openPort, closePort, waitFor, sleep } from './helpers';

let pty: PtyPair | null = null;
let scanner: SerialScanner | null = null;
let device: SerialPort | null = null;

afterEach(async () => {
  await scanner?.close();
  await closePort(device);
  await pty?.dispose();
  scanner = null;
  device = null;
  pty = null;
});

/** The scanner's end of a real pty pair: what the device would type down the cable. */
const type = (text: string) => new Promise<void>((r) => device!.write(Buffer.from(text, 'latin1'), () => device!.drain(() => r())));

describe('serial barcode scanner (real serialport on a socat pty)', () => {
  it('passes whole reads on, whatever the line ending or chunking, and drops garbage', async () => {
    pty = await new PtyPair().start();
    const reads: string[] = [];
    scanner = new SerialScanner(serialTransport({ path: pty.kiosk, baudRate: 9600 }), (t) => reads.push(t));
    device = await openPort(pty.board);
    await waitFor(() => scanner!.health().connected, 3000, 'scanner connected');
    await type('PKG-0001\r');
    await type('PKG-');
    await sleep(20);
    await type('0002\r\n');
    await type('LK1:123456\n');
    await type('bad\x00\x07read\r'); // control bytes: line noise, not a label
    await type('x'.repeat(3000) + '\r'); // far longer than any label or badge
    await type('PKG-0003\r');
    await waitFor(() => reads.includes('PKG-0003'), 3000, 'last read');
    expect(reads).toEqual(['PKG-0001', 'PKG-0002', 'LK1:123456', 'PKG-0003']);
    expect(scanner.health()).toMatchObject({ reads: 4, rejected: 2 });
  });

  it('picks the scanner up again after it is unplugged and plugged back', async () => {
    pty = await new PtyPair().start();
    const reads: string[] = [];
    scanner = new SerialScanner(serialTransport({ path: pty.kiosk, baudRate: 9600 }), (t) => reads.push(t));
    await waitFor(() => scanner!.health().connected, 3000, 'scanner connected');
    device = await openPort(pty.board);
    await type('PKG-00'); // half a read, then the cable is pulled
    await waitFor(() => scanner!.health().connected, 3000, 'scanner still connected');
    await closePort(device);
    device = null;
    // A read-only port learns of the unplug from its device node going away (the kernel may never fail the read).
    await pty.stop(); // the USB adapter is pulled
    await waitFor(() => !scanner!.health().connected, 15_000, 'scanner lost');
    await pty.start(); // and plugged back in
    await waitFor(() => scanner!.health().connected, 15_000, 'scanner back');
    device = await openPort(pty.board);
    await type('PKG-0042\r');
    await waitFor(() => reads.length >= 1, 15_000, 'read after reconnect');
    // The half read from before the unplug is gone, not glued to the next scan ("PKG-00PKG-0042").
    expect(reads).toEqual(['PKG-0042']);
  });
});
