import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../src-shared/events';
import type { Result } from '../src-shared/errors';
import type { KioskConfig } from './config';
import type { KioskContext, SyncHandle } from './context';
import { systemClock, systemRandom, type Clock, type RandomSource } from './clock';
import type { Db } from './store/sqlite';
import { openKioskStore } from './store/kiosk-store';
import { watchIntegrity } from './store/integrity';
import { storeHealth } from './store/store-health';
import { acquireDataDirLock } from './store/data-dir-lock';
import { createDoorController, loadLayout } from './hardware/index';
import { createServices } from './services/index';
import { createSync } from './sync/index';
import { dispatch } from './api/dispatch';
import { handlers } from './api/index';
import { createLogger } from './log';
import { bridgeDoorEvents } from './door-events';
import { EnrollmentRepo } from './store/enrollment';
import { SerialScanner } from './hardware/scanner';
import { serialTransport } from './hardware/transport';

export interface KioskCore {
  /** One API call, exactly as it arrived from IPC or the WebSocket (untrusted). */
  call(name: unknown, input: unknown): Promise<Result<unknown>>;
  on(listener: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void;
  readonly ctx: KioskContext;
  close(): Promise<void>;
}

export interface CoreOptions {
  config: KioskConfig;
  mode: 'electron' | 'host';
  version: string;
  dataDir: string;
  clock?: Clock;
  random?: RandomSource;
  /**
   * Where the demo's console lines go (banner with the operator password, parcels, "SMS"); default stdout. Host mode
   * holds them until it is listening, so a start that fails (a busy port) prints no secret (red-team finding 8).
   */
  out?: (line: string) => void;
}

/**
 * Builds the kiosk: store, doors, sync, services, API. The same core runs inside Electron's main process and in
 * host mode; only the transport to the renderer differs.
 */
export async function createKioskCore(opts: CoreOptions): Promise<KioskCore> {
  const { config } = opts;
  const log = createLogger('core');
  const bus = new EventEmitter();
  bus.setMaxListeners(50);
  // One kiosk process per data dir (store/data-dir-lock.ts); then refuse, in one line each, a damaged database, a
  // disk that takes no write, and an enrolled store without its secret (StoreError; host/run.ts exits 2).
  const dataDirLock = acquireDataDirLock(opts.dataDir, { warn: (message) => log.error(message) });
  const dbFile = path.join(opts.dataDir, 'kiosk.db');
  let db: Db;
  let enrollment: EnrollmentRepo;
  try {
    db = openKioskStore(dbFile);
    try {
      enrollment = new EnrollmentRepo(db, opts.dataDir);
      enrollment.assertSecretPresent({ reenrolling: Boolean(config.server.url && config.server.enrollmentToken) });
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    dataDirLock.release();
    throw err;
  }
  const layout = loadLayout(config.layout);
  const { doors, simulator } = await createDoorController({
    family: config.board.family,
    transport: config.board.transport,
    baud: config.serial.baud,
    layout,
    lockBitMeansClosed: config.serial.lockBitMeansClosed,
    itemSensors: config.serial.itemSensors,
    simulatedBankFile: path.join(opts.dataDir, 'simulated-bank.json'),
  });

  const ctx: KioskContext = {
    config,
    mode: opts.mode,
    version: opts.version,
    kioskId: () => enrollment.kioskId() ?? 'unenrolled',
    dataDir: opts.dataDir,
    db,
    layout,
    doors,
    simulator,
    sync: undefined as unknown as SyncHandle,
    clock: opts.clock ?? systemClock,
    random: opts.random ?? systemRandom,
    emit: (event, payload) => bus.emit('event', event, payload),
    log,
    services: undefined as unknown as KioskContext['services'],
  };
  ctx.services = createServices(ctx);
  const stopDoorBridge = bridgeDoorEvents(ctx);
  const scanner = config.scanner
    ? new SerialScanner(serialTransport({ path: config.scanner.path, baudRate: config.scanner.baud }), (text) => ctx.emit('scan', { text, source: 'serial' }))
    : null;
  ctx.sync = await createSync(ctx, opts.out ? { embedded: { out: opts.out } } : {});
  await ctx.services.start();
  // The full integrity check, off the event loop (store/integrity.ts): start-up checks only what does not grow.
  const integrity = watchIntegrity({ file: dbFile, log, onDamaged: () => storeHealth(db).condemn({ emit: ctx.emit, log }) });

  let closed = false;
  return {
    ctx,
    call: (name, input) => dispatch(handlers, ctx, name, input),
    on(listener) {
      const fn = (event: EventName, payload: unknown) => listener(event, payload as never);
      bus.on('event', fn);
      return () => bus.off('event', fn);
    },
    async close() {
      if (closed) return;
      closed = true;
      integrity.stop();
      stopDoorBridge();
      await scanner?.close();
      await ctx.services.stop();
      await ctx.sync.close();
      await doors.close();
      db.close();
      dataDirLock.release();
    },
  };
}
