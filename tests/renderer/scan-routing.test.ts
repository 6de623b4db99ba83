import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import type { KioskBridge } from '../../src-shared/api';
import { appMachine } from '../../src-renderer/flows/app.machine';
import { dropoffMachine } from '../../src-renderer/flows/dropoff.machine';
import { pickupMachine } from '../../src-renderer/flows/pickup.machine';
import { routeScans } from '../../src-renderer/input/scan-routing';
import { fake, flush, session, where } from './helpers';

/** A kiosk bridge that only knows how to push `scan` events, as main does for a serial scanner. */
function fakeKiosk() {
  const listeners = new Set<(p: { text: string; source: 'serial' }) => void>();
  const kiosk = {
    on: ((event: string, fn: (p: { text: string; source: 'serial' }) => void) => {
      if (event === 'scan') listeners.add(fn);
      return () => listeners.delete(fn);
    }) as KioskBridge['on'],
  };
  return { kiosk, serial: (text: string) => listeners.forEach((fn) => fn({ text, source: 'serial' })), listeners };
}

/** A window stand-in (Node's EventTarget mishandles removing capture listeners, so keep our own). */
function fakeWindow() {
  const handlers = new Map<string, Set<(e: Event) => void>>();
  return {
    handlers,
    addEventListener: (type: string, fn: (e: Event) => void) => void (handlers.get(type) ?? handlers.set(type, new Set()).get(type)!).add(fn),
    removeEventListener: (type: string, fn: (e: Event) => void) => void handlers.get(type)?.delete(fn),
  };
}

/** A keyboard-wedge burst: one keydown per character 5 ms apart, then Enter. */
function wedge(win: ReturnType<typeof fakeWindow>, text: string): void {
  let t = 1000;
  for (const key of [...text, 'Enter']) {
    const e = new Event('keydown', { cancelable: true });
    Object.defineProperty(e, 'key', { value: key });
    Object.defineProperty(e, 'timeStamp', { value: (t += 5) });
    win.handlers.get('keydown')?.forEach((fn) => fn(e));
  }
}

function start() {
  const submitCode = fake(() => ({ operationId: 'op-00000001', where: where() }));
  const authenticate = fake(() => session('driver'));
  const scanParcel = fake((i: { barcode: string }) => ({ operationId: 'op-00000002', parcelId: 'p1', barcode: i.barcode, where: where('A01') }));
  const machine = appMachine.provide({
    actors: {
      authenticate: authenticate.actor,
      pickupFlow: pickupMachine.provide({ actors: { submitCode: submitCode.actor } }) as never,
      dropoffFlow: dropoffMachine.provide({ actors: { scanParcel: scanParcel.actor, loadSummary: fake(() => ({ delivered: [], keptByDriver: [] })).actor } }) as never,
    },
  });
  const app = createActor(machine).start();
  const win = fakeWindow();
  const k = fakeKiosk();
  const off = routeScans(win as unknown as Window, k.kiosk, (e) => app.send(e));
  return { app, win, ...k, off, submitCode, authenticate, scanParcel };
}

describe('scan routing: a serial scanner goes down the same path as a keyboard-wedge scanner', () => {
  it('home: a pickup QR from either scanner opens the door for that code', async () => {
    for (const via of ['serial', 'wedge'] as const) {
      const t = start();
      t.app.send({ type: 'TOUCH' });
      if (via === 'serial') t.serial('LK1:123456');
      else wedge(t.win, 'LK1:123456');
      await flush();
      expect(t.submitCode.calls, via).toEqual([{ code: '123456', source: 'scan' }]);
      expect(t.app.getSnapshot().matches({ flow: { screen: 'pickup' } }), via).toBe(true);
      t.app.stop();
    }
  });

  it('pickup keypad showing: a serial QR submits the code', async () => {
    const t = start();
    t.app.send({ type: 'START_PICKUP' });
    t.serial('LK1:654321\r\n');
    await flush();
    expect(t.submitCode.calls).toEqual([{ code: '654321', source: 'scan' }]);
    t.app.stop();
  });

  it('a serial badge signs a driver in, and serial parcel barcodes open doors', async () => {
    const t = start();
    t.serial('LKB1.header.signature-of-a-badge');
    await flush();
    expect(t.authenticate.calls).toEqual([{ badge: 'LKB1.header.signature-of-a-badge' }]);
    expect(t.app.getSnapshot().matches({ flow: { screen: 'dropoff' } })).toBe(true);
    await flush();
    t.serial('PKG-0001');
    await flush();
    expect(t.scanParcel.calls).toEqual([{ sessionId: session().sessionId, barcode: 'PKG-0001' }]);
    t.app.stop();
  });

  it('unsubscribes from both scanners', () => {
    const t = start();
    t.off();
    expect(t.listeners.size).toBe(0);
    expect([...t.win.handlers.values()].every((set) => set.size === 0)).toBe(true);
    t.serial('LK1:123456');
    wedge(t.win, 'LK1:123456');
    expect(t.app.getSnapshot().matches('attract')).toBe(true);
  });
});
