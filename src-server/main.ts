import fs from 'node:fs';
import path from 'node:path';
import { CliError, parseFlags, prepareDataDir } from '../src-common/cli';
import { consoleLogger } from './log';
import type { PushConfig } from './push/hub';
import type { CustomerOptions } from './context';
import { validTopicRoot } from './push/topics';

/**
 * `npm run server -- --port N --data-dir DIR [--database-url postgres://…] [--keys-dir DIR] [--host H] [--smtp-url URL]
 *  [--smtp-from ADDR] [--sms-url URL] [--console] [--admin-key KEY] [--pickup-window-days N]
 *  [--mqtt-url mqtt://host:1883 [--mqtt-username U] [--mqtt-kiosk-url URL] [--mqtt-topic-root lk/fleet]]`
 * With --mqtt-url, kiosks are pinged over MQTT after their manifest changes and their presence is followed (ADR
 * mqtt-push); the broker admin password comes from $FLEET_MQTT_PASSWORD or --mqtt-password-file (never argv).
 * Without --database-url the store is <data-dir>/fleet.sqlite (nothing to install); with it, PostgreSQL, and any number
 * of instances may run against one database given the same --keys-dir (ADR fleet-store).
 * Prints exactly one line to stdout when listening: `fleet server ready: <url>`. Logs go to stderr.
 */
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`The fleet server needs Node 22 or newer (this is ${process.version}); run it with npm run server.`);
  process.exit(1);
}

const USAGE = [
  'usage: npm run server -- [--port N] [--host H] [--data-dir DIR] [--database-url postgres://user:pass@host:port/db]',
  '         [--keys-dir DIR] [--smtp-url URL] [--smtp-from ADDR] [--sms-url URL] [--console] [--admin-key KEY] [--pickup-window-days N]',
  'Without --database-url the fleet lives in <data-dir>/fleet.sqlite. --keys-dir (default <data-dir>/keys) must be the',
  'same directory for every instance of one fleet; it is filled on first use only while the database has no kiosks.',
  '       [--mqtt-url mqtt://host:1883 [--mqtt-username U] [--mqtt-password-file F] [--mqtt-kiosk-url URL] [--mqtt-topic-root lk/fleet]]',
  '--mqtt-url turns on push to kiosks (Mosquitto 2 with dynamic security; U is its dynsec admin, password from',
  '$FLEET_MQTT_PASSWORD or --mqtt-password-file). --mqtt-kiosk-url is what kiosks connect to, if not the same URL.',
  '       [--undelivered-days N] [--restore-watermark FILE] [--trust-proxy ADDRS]',
  '--undelivered-days (default 5, 0 = never): an announced parcel not deposited by then is released (capacity freed).',
  '       [--personal-data-days N]',
  '--personal-data-days (default 90, 1-3650): a finished parcel\'s recipient name, e-mail, phone and message addresses,',
  'and a problem report\'s note, are erased this many days after it finished (README, Personal data).',
  '--trust-proxy ADDRS: the load balancer(s) you run (addresses or CIDRs, comma-separated); the client address is the one they append to X-Forwarded-For (what a client wrote in the header itself is never trusted).',
  '       [--public-url URL] [--extend-max-days N] [--extend-free-floor N]',
  '--public-url URL|self: where recipients reach this server; their messages then link to <URL>/r/<token> (self: the',
  'address it listens on). Without it, messages carry no link and no "on its way" message is sent.',
  '--extend-max-days (default 3): the one extension a recipient may make; --extend-free-floor (default 1): refused while',
  'fewer compartments of the parcel\'s size are free after expected parcels.',
  '--restore-watermark (default <data-dir>/restore-watermark.json): the last state this instance saw, to detect a',
  'database restored from an older backup; keep it out of what you restore. After a restore, before starting:',
  '       npm run server -- restore-mark [--data-dir DIR | --database-url URL]   (new epoch: kiosks re-send)',
  'The operator console is at <url>/console/. Its first admin, before or while the server runs:',
  '       npm run server -- create-admin --email ADDR [--name NAME] [--password-stdin] [--data-dir DIR | --database-url URL]',
  'Prints one line "fleet server ready: <url>" on stdout when listening; logs go to stderr.',
].join('\n');

/** A bad flag, value or busy port: one line on stderr, exit 2 (README: every entry point answers in one line). */
function refuse(message: string): never {
  process.stderr.write(`fleet server: ${message}\n`);
  process.exit(2);
}

// After a restore from a backup, before starting the instances (ADR restore-epoch).
if (process.argv[2] === 'restore-mark') {
  const { restoreMark } = await import('./restore-mark');
  process.exit(await restoreMark(process.argv.slice(3)));
}

// The first admin of the operator console (ADR operator-auth).
if (process.argv[2] === 'create-admin') {
  const { createAdminCli } = await import('./auth/create-admin');
  process.exit(await createAdminCli(process.argv.slice(3)));
}

const values = readFlags();

/** --help → usage, exit 0; booleans as --x, --no-x, --x=true|false; a stray word or unknown flag → one line, exit 2. */
function readFlags() {
  try {
    return parseFlags(
      process.argv.slice(2),
      {
        port: { type: 'string', default: '8787' },
        host: { type: 'string', default: '127.0.0.1' },
        'data-dir': { type: 'string', default: '.fleet-data' },
        'database-url': { type: 'string' },
        'keys-dir': { type: 'string' },
        'smtp-url': { type: 'string' },
        'smtp-from': { type: 'string' },
        'sms-url': { type: 'string' },
        console: { type: 'boolean', default: false },
        'admin-key': { type: 'string' },
        'pickup-window-days': { type: 'string' },
        'undelivered-days': { type: 'string' },
      'personal-data-days': { type: 'string' },
        'restore-watermark': { type: 'string' },
        'mqtt-url': { type: 'string' },
        'mqtt-kiosk-url': { type: 'string' },
        'mqtt-username': { type: 'string' },
        'mqtt-password-file': { type: 'string' },
        'mqtt-topic-root': { type: 'string' },
        'trust-proxy': { type: 'string' },
        'public-url': { type: 'string' },
        'extend-max-days': { type: 'string' },
        'extend-free-floor': { type: 'string' },
      },
      USAGE,
    );
  } catch (err) {
    if (!(err instanceof CliError) || err.exitCode !== 0) refuse((err as Error).message.split('\n')[0]!);
    process.stdout.write(`${err.message}\n`);
    process.exit(0);
  }
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) refuse(`--port must be 0-65535, got ${values.port}`);
const windowDays = values['pickup-window-days'] === undefined ? undefined : Number(values['pickup-window-days']);
if (windowDays !== undefined && (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 60))
  refuse(`--pickup-window-days must be a whole number of days 1-60, got ${values['pickup-window-days']}`);
const undeliveredDays = values['undelivered-days'] === undefined ? undefined : Number(values['undelivered-days']);
if (undeliveredDays !== undefined && (!Number.isInteger(undeliveredDays) || undeliveredDays < 0 || undeliveredDays > 365))
  refuse(`--undelivered-days must be a whole number of days 0-365 (0 = never release), got ${values['undelivered-days']}`);
const personalDataDays = values['personal-data-days'] === undefined ? undefined : Number(values['personal-data-days']);
if (personalDataDays !== undefined && (!Number.isInteger(personalDataDays) || personalDataDays < 1 || personalDataDays > 3650))
  refuse(`--personal-data-days must be a whole number of days 1-3650, got ${values['personal-data-days']}`);
const customer = customerOptions();
const dataDir = path.resolve(values['data-dir']!);
const databaseUrl = values['database-url'];
if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) refuse(`--database-url must be a postgres:// URL, got ${databaseUrl.split('@').pop()}`);
const keysDir = path.resolve(values['keys-dir'] ?? path.join(dataDir, 'keys'));
// A file, /proc/…, a dir it cannot write: one line naming it, never a stack or a hang (red-team finding 7).
for (const [flag, dir] of [['--data-dir', dataDir], ['--keys-dir', keysDir]] as const) {
  const problem = prepareDataDir(dir);
  if (problem) refuse(`${flag} ${problem}`);
}
const log = consoleLogger('fleet');
const smtpUrl = values['smtp-url'];
const smsUrl = values['sms-url'];
const push = pushConfig();

// Loaded only now: the server's module graph takes seconds to load, and --help or a bad flag must answer at once.
const { startFleetServer } = await import('./embedded');
const server = await startFleetServer({
  dataDir,
  keysDir,
  ...(databaseUrl ? { databaseUrl } : {}),
  port,
  host: values.host!,
  log,
  ...(values['admin-key'] ? { adminKey: values['admin-key'] } : {}),
  ...(windowDays !== undefined ? { pickupWindowDays: windowDays } : {}),
  ...(undeliveredDays !== undefined ? { undeliveredDays } : {}),
  ...(personalDataDays !== undefined ? { personalDataDays } : {}),
  ...(values['restore-watermark'] ? { restoreWatermarkFile: path.resolve(values['restore-watermark']) } : {}),
  ...(push ? { push } : {}),
  customer,
  publicUrlIsSelf: values['public-url'] === 'self',
  // Behind a load balancer every request comes from the balancer's address: without this, all kiosks share one
  // per-address budget (enrollment: 30 a minute per instance). Only when the balancer is yours (ADR server-hardening).
  ...(values['trust-proxy'] ? { limits: { trustProxy: values['trust-proxy'].split(',').map((a) => a.trim()).filter(Boolean) } } : {}),
  channels: {
    ...(smtpUrl ? { smtpUrl } : {}),
    ...(values['smtp-from'] ? { smtpFrom: values['smtp-from'] } : {}),
    ...(smsUrl ? { smsUrl } : {}),
    // With no real channel, print messages so nothing silently disappears.
    console: values.console || (!smtpUrl && !smsUrl),
  },
}).catch((err: NodeJS.ErrnoException) => {
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES') refuse(`cannot listen on ${values.host}:${port} (${err.code}); choose another with --port`);
  refuse(`cannot start: ${err.message.split('\n')[0]}`);
});

if (!values['admin-key']) log.info('admin API key is in the keys dir', { file: path.join(keysDir, 'admin.key') });
console.log(`fleet server ready: ${server.url}`);

/** --public-url, --extend-max-days, --extend-free-floor (ADR customer-self-service); refuses bad values in one line. */
function customerOptions(): Partial<CustomerOptions> {
  const out: Partial<CustomerOptions> = {};
  const url = values['public-url'];
  if (url !== undefined && url !== 'self') {
    if (!/^https?:\/\/[^\s/@]+(:[0-9]+)?(\/[^\s]*)?$/.test(url)) refuse(`--public-url must be an http(s) URL without credentials, got ${url}`);
    out.publicUrl = url.replace(/\/+$/, '');
  }
  const days = values['extend-max-days'];
  if (days !== undefined) {
    if (!/^[0-9]+$/.test(days) || Number(days) < 1 || Number(days) > 30) refuse(`--extend-max-days must be a whole number of days 1-30, got ${days}`);
    out.extendMaxDays = Number(days);
  }
  const floor = values['extend-free-floor'];
  if (floor !== undefined) {
    if (!/^[0-9]+$/.test(floor) || Number(floor) > 10_000) refuse(`--extend-free-floor must be a whole number 0-10000, got ${floor}`);
    out.extendFreeFloor = Number(floor);
  }
  return out;
}

/** --mqtt-* flags into a PushConfig (push/hub.ts), or undefined without --mqtt-url; refuses bad values in one line. */
function pushConfig(): PushConfig | undefined {
  const url = values['mqtt-url'];
  if (url === undefined) {
    if (values['mqtt-kiosk-url'] || values['mqtt-username'] || values['mqtt-password-file'] || values['mqtt-topic-root']) refuse('the --mqtt-* flags need --mqtt-url');
    return undefined;
  }
  const isUrl = (u: string) => /^(mqtts?|wss?):\/\/[^\s]+$/.test(u);
  if (!isUrl(url)) refuse(`--mqtt-url must be an mqtt://, mqtts://, ws:// or wss:// URL, got ${url.split('@').pop()}`);
  const kioskUrl = values['mqtt-kiosk-url'];
  if (kioskUrl !== undefined && (!isUrl(kioskUrl) || kioskUrl.includes('@'))) refuse('--mqtt-kiosk-url must be an mqtt(s)/ws(s) URL without credentials');
  const root = values['mqtt-topic-root'];
  if (root !== undefined && !validTopicRoot(root)) refuse(`--mqtt-topic-root must be 1-5 plain levels like lk/fleet, got ${root}`);
  let password = process.env.FLEET_MQTT_PASSWORD;
  const file = values['mqtt-password-file'];
  if (file !== undefined) {
    try {
      password = fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      refuse(`cannot read --mqtt-password-file ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  return {
    url,
    ...(kioskUrl ? { kioskUrl } : {}),
    ...(values['mqtt-username'] ? { username: values['mqtt-username'] } : {}),
    ...(password ? { password } : {}),
    ...(root ? { topicRoot: root } : {}),
  };
}

let closing = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
