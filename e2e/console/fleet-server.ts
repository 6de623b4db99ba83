import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signRequest } from '../../src-common/signing';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * A real fleet server for the console specs: `npm run server` on a free port with a temp data dir, its first admin
 * made through the CLI (`npm run server -- create-admin`), and one kiosk enrolled over HTTP whose name and fault text
 * carry markup (the console must show it as text). Needs the built console (npm run build).
 */
export interface ConsoleFleet {
  url: string;
  admin: { email: string; password: string };
  kioskId: string;
  /** The bootstrap admin key (tooling): issue a badge to try revoking. */
  adminKey: string;
  /** The enrolled kiosk's secret (base64): lets a spec send the kiosk's signed events. */
  kioskSecret: string;
  /** The server's data dir (its fleet.sqlite): a spec may move a stored deadline into the past instead of waiting days. */
  dataDir: string;
  stop(): Promise<void>;
}

export const HOSTILE_NAME = '<script>window.__pwned=1</script>Lobby';
export const HOSTILE_FAULT = '<img src=x onerror="window.__pwned=1">';

/** `args`: more `npm run server` options (e.g. `--smtp-url` for a spec that reads the messages). */
export async function startConsoleFleet(o: { args?: string[] } = {}): Promise<ConsoleFleet> {
  if (!fs.existsSync(path.join(ROOT, 'out/console/index.html'))) throw new Error('the console is not built: run npm run build first');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-e2e-'));
  const admin = { email: 'admin@example.com', password: 'correct horse battery staple' };
  const made = spawnSync('npm', ['run', '-s', 'server', '--', 'create-admin', '--email', admin.email, '--name', 'Ada Admin', '--password-stdin', '--data-dir', dataDir], {
    cwd: ROOT,
    input: admin.password + '\n',
    encoding: 'utf8',
  });
  if (made.status !== 0 || made.stdout !== `admin created: ${admin.email}\n`) throw new Error(`create-admin failed: ${made.status} ${made.stdout}${made.stderr}`);

  const proc = spawn('npm', ['run', '-s', 'server', '--', '--port', '0', '--data-dir', dataDir, ...(o.args ?? [])], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /fleet server ready: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.stderr!.on('data', (c: Buffer) => void (err += c.toString()));
    proc.once('exit', (code) => reject(new Error(`fleet server exited ${code}: ${err.slice(-500)}`)));
  });
  const adminKey = fs.readFileSync(path.join(dataDir, 'keys', 'admin.key'), 'utf8').trim();
  const { kioskId, kioskSecret } = await enrollHostileKiosk(url, adminKey);
  return { url, admin, kioskId, adminKey, kioskSecret, dataDir, stop: () => stop(proc, dataDir) };
}

async function enrollHostileKiosk(url: string, adminKey: string): Promise<{ kioskId: string; kioskSecret: string }> {
  const post = async (p: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, string>>;
  };
  const { enrollmentToken } = await post('/v1/enrollment-tokens', {}, { authorization: `Bearer ${adminKey}` });
  const creds = await post('/v1/kiosks/enroll', { enrollmentToken, capacity: { S: 4, M: 3, L: 2, XL: 1 }, layoutName: HOSTILE_NAME });
  const kioskId = creds.kioskId!;
  const p = `/v1/kiosks/${kioskId}/heartbeat`;
  const body = JSON.stringify({ freeBySize: { S: 3, M: 3, L: 2, XL: 1 }, faults: [{ code: 'door.forced', compartmentId: 'A01', message: HOSTILE_FAULT }], outboxDepth: 2, version: '0.1.0' });
  const headers = { ...signRequest({ kioskId, secret: Buffer.from(creds.kioskSecret!, 'base64'), method: 'POST', path: p, body }), 'content-type': 'application/json' };
  const r = await fetch(url + p, { method: 'POST', headers, body });
  if (!r.ok) throw new Error(`heartbeat: ${r.status} ${await r.text()}`);
  return { kioskId, kioskSecret: creds.kioskSecret! };
}

async function stop(proc: ChildProcess, dataDir: string): Promise<void> {
  if (proc.exitCode === null) {
    const gone = new Promise((r) => proc.once('exit', r));
    process.kill(-proc.pid!, 'SIGTERM');
    await gone;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
