import path from 'node:path';
// The one import of the fleet server in the kiosk (eslint.config.js): the demo's in-process server.
import { seedDemo, startFleetServer, type FleetServer, type StartFleetServerOptions } from '../../src-server/embedded';
import type { KioskContext } from '../context';
import { createLogger } from '../log';
import type { Repos } from '../store/index';
import { namedStoreFailure } from '../store/store-errors';
import { Exchange } from './exchange';
import { SyncHttp } from './http';
import { META, getMeta, setMeta } from './meta';
import type { SyncOptions } from './client';
import { DEMO_TECHNICIAN_PIN } from '../services/sessions';

/**
 * The embedded default (ARCHITECTURE §7): a demo kiosk with no fleet server configured runs one inside itself, on
 * loopback, with its data in `<dataDir>/fleet`. The kiosk enrolls with it over real HTTP like any kiosk, demo
 * shipments are seeded once per enrollment, and the server's console channel prints the "SMS" with pickup codes
 * to this process's stdout, so a newcomer can deliver a parcel and pick it up without any setup.
 */
export interface EmbeddedFleet {
  server: FleetServer;
  /** Print the parcels the demo expects (once, after the first sync brought them in). */
  printParcels(repos: Repos): void;
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Where the printed lines go (default: stdout). Tests capture them. */
  out?: (line: string) => void;
}

export async function startEmbeddedFleet(ctx: KioskContext, repos: Repos, sync: SyncOptions, o: EmbeddedOptions = {}): Promise<EmbeddedFleet> {
  const out = o.out ?? ((line: string) => void process.stdout.write(line + '\n'));
  const log = createLogger('fleet-embedded');
  // A damaged or unopenable fleet.sqlite is named as such in start-up's one line (store-errors.ts).
  const server = await startFleetServer({
    dataDir: path.join(ctx.dataDir, 'fleet'),
    port: 0,
    host: '127.0.0.1',
    // The demo's "SMS" and "email": one line each on the kiosk's stdout, e.g.
    // `[sms to +48500100201] Your code for parcel DEMO-AB12-1 at locker K-… is 123456. Pick it up by …`
    channels: { console: out },
    log: serverLogger(log),
    // Reminders are a day before expiry: a minute's sweep is plenty for a demo, and cheap.
    sweepIntervalMs: 60_000,
  }).catch((err: unknown) => {
    throw namedStoreFailure(err, path.join(ctx.dataDir, 'fleet', 'fleet.sqlite'), 'demo fleet database');
  });
  try {
    const kioskId = await ensureEnrolled(ctx, repos, server, sync, log);
    const fresh = getMeta(repos.db, META.demoSeededFor) !== kioskId;
    let driver: string;
    let technician: string;
    if (fresh) {
      const seed = await seedDemo(server, kioskId);
      setMeta(repos.db, META.demoSeededFor, kioskId);
      driver = seed.driverBadge.token;
      technician = seed.technicianBadge.token;
    } else {
      // Badges are cheap and not stored anywhere on the kiosk: issue a fresh pair per start.
      driver = (await server.issueBadge({ role: 'driver', name: 'Demo Driver', ttlHours: 24 * 30 })).token;
      technician = (await server.issueBadge({ role: 'technician', name: 'Demo Technician', ttlHours: 24 * 30 })).token;
    }
    printBanner(out, server.url, driver, technician, pinLine(ctx), await server.demoOperator());
  } catch (err) {
    await server.close();
    throw err;
  }
  let printed = false;
  return {
    server,
    printParcels(r) {
      if (printed) return;
      printed = true;
      const rows = r.db
        .prepare(`SELECT barcode, size FROM parcels WHERE status = 'expected' AND compartment_id IS NULL ORDER BY created_at, barcode LIMIT 20`)
        .all() as Array<{ barcode: string; size: string }>;
      if (rows.length === 0) out('demo: no parcels are expected right now (all delivered). Start with a fresh --data-dir for a new set.');
      else out(`demo parcels to deliver (scan as the driver): ${rows.map((p) => `${p.barcode} (${p.size})`).join(', ')}`);
    },
    close: () => server.close(),
  };
}

async function ensureEnrolled(ctx: KioskContext, repos: Repos, server: FleetServer, sync: SyncOptions, log: ReturnType<typeof createLogger>): Promise<string> {
  const current = repos.enrollment.isEnrolled() ? repos.enrollment.kioskId() : null;
  // The fleet folder may have been deleted while the kiosk's database stayed: enroll again rather than be refused forever.
  if (current && (await server.fleet()).some((k) => k.kioskId === current)) return current;
  const ex = new Exchange(ctx, repos, new SyncHttp({ baseUrl: server.url, now: () => ctx.clock.now(), timeoutMs: sync.requestTimeoutMs }), log, sync);
  // The demo kiosk stands where this machine is: its messages' deadlines are in this machine's zone.
  return (await ex.enroll(await server.createEnrollmentToken(1, Intl.DateTimeFormat().resolvedOptions().timeZone))).kioskId;
}

/**
 * Print only what works (sessions.ts): the demo PIN is accepted only with the simulated board and no configured
 * technicianPinHash.
 */
function pinLine(ctx: KioskContext): string {
  if (ctx.config.technicianPinHash) return 'technician PIN: the one configured as technicianPinHash';
  if (ctx.simulator === null) return 'technician PIN: none on real boards until technicianPinHash is configured (npm run pin-hash)';
  return `demo technician PIN (demo mode only): ${DEMO_TECHNICIAN_PIN}`;
}

function printBanner(out: (line: string) => void, url: string, driver: string, technician: string, pin: string, operator: { email: string; password: string }): void {
  for (const line of demoBannerLines({ url, driver, technician, pin, operator })) out(line);
}

/**
 * The demo's console block, line by line. Its instructions say only what the kiosk page accepts (red-team finding
 * 10): a paste is one scan (src-renderer/input/scanner.ts); a badge typed by hand is refused with "Please scan it
 * with the scanner" (the keyboard-wedge detector tells a person's pace from a scanner's), so typing is not offered.
 */
export function demoBannerLines(o: { url: string; driver: string; technician: string; pin: string; operator: { email: string; password: string } }): string[] {
  const rule = '─'.repeat(72);
  return [
    rule,
    'Locker Kiosk demo: a fleet server runs inside this kiosk, with demo parcels on their way.',
    `operator console: ${o.url}/console/`,
    `demo operator: ${o.operator.email} password: ${o.operator.password}`,
    'Staff badges: copy a badge below and paste it (Ctrl+V) anywhere on the kiosk page: a paste is one scan, as a badge',
    'scanner sends it. Typed by hand it is refused ("please scan it with the scanner"), on purpose. The driver then',
    'pastes each parcel barcode the same way; the technician badge opens maintenance mode.',
    `demo driver badge: ${o.driver}`,
    `demo technician badge: ${o.technician}`,
    o.pin,
    'When a parcel is deposited, its "SMS" with the pickup code is printed here:',
    '  [sms to +48…] Your code for parcel <barcode> at locker <kiosk> is <6 digits>. …',
    rule,
  ];
}

type ServerLogger = NonNullable<StartFleetServerOptions['log']>;

/** The embedded server's log joins the kiosk's (stderr, structured, warn and up by default). */
function serverLogger(log: ReturnType<typeof createLogger>): ServerLogger {
  return { info: (m, f) => log.info(m, f), warn: (m, f) => log.warn(m, f), error: (m, f) => log.error(m, f) };
}
