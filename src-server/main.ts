import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFleetServer } from './embedded';
import { consoleLogger } from './log';

/**
 * `npm run server -- --port N --data-dir DIR [--host H] [--smtp-url URL] [--smtp-from ADDR] [--sms-url URL]
 *  [--console] [--admin-key KEY] [--pickup-window-days N]`
 * Prints exactly one line to stdout when listening: `fleet server ready: <url>`. Logs go to stderr.
 */
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`The fleet server needs Node 22 or newer (this is ${process.version}); run it with npm run server.`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.fleet-data' },
    'smtp-url': { type: 'string' },
    'smtp-from': { type: 'string' },
    'sms-url': { type: 'string' },
    console: { type: 'boolean', default: false },
    'admin-key': { type: 'string' },
    'pickup-window-days': { type: 'string' },
  },
  strict: true,
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be 0-65535, got ${values.port}`);
  process.exit(2);
}
const dataDir = path.resolve(values['data-dir']!);
const log = consoleLogger('fleet');
const smtpUrl = values['smtp-url'];
const smsUrl = values['sms-url'];

const server = await startFleetServer({
  dataDir,
  port,
  host: values.host!,
  log,
  ...(values['admin-key'] ? { adminKey: values['admin-key'] } : {}),
  ...(values['pickup-window-days'] ? { pickupWindowDays: Number(values['pickup-window-days']) } : {}),
  channels: {
    ...(smtpUrl ? { smtpUrl } : {}),
    ...(values['smtp-from'] ? { smtpFrom: values['smtp-from'] } : {}),
    ...(smsUrl ? { smsUrl } : {}),
    // With no real channel, print messages so nothing silently disappears.
    console: values.console || (!smtpUrl && !smsUrl),
  },
});

if (!values['admin-key']) log.info('admin API key is in the data dir', { file: path.join(dataDir, 'keys', 'admin.key') });
console.log(`fleet server ready: ${server.url}`);

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
