import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real Mosquitto 2 broker for a test: its own temp dir, the dynamic security plugin with a fresh admin (made by
 * `mosquitto_ctrl dynsec init`, as an operator would), anonymous clients refused, a random loopback port. `stop()` kills
 * it (the "broker down" case) and `start()` brings it back on the same port with the same accounts (dynsec keeps them
 * in its JSON file). Starts in milliseconds.
 */
export const MOSQUITTO = '/usr/sbin/mosquitto';
const PLUGIN = ['/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so', '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so'].find((p) => fs.existsSync(p));

export const haveMosquitto = fs.existsSync(MOSQUITTO) && PLUGIN !== undefined;

export interface TestBroker {
  url: string;
  port: number;
  adminUser: string;
  adminPassword: string;
  /** Every line the broker logged (connections, refusals). */
  log: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startBroker(): Promise<TestBroker> {
  // A missing broker is a failure with the way out, never a silent skip: the suite is about the real thing.
  if (!haveMosquitto) throw new Error(`these tests need Mosquitto 2 with its dynamic security plugin: apt-get install mosquitto (.ci/run does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-test-'));
  const adminUser = 'lk-admin';
  const adminPassword = 'admin-' + Math.random().toString(36).slice(2);
  const dynsec = path.join(dir, 'dynamic-security.json');
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', dynsec, adminUser, adminPassword], { stdio: 'ignore' });
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `plugin ${PLUGIN}`,
      `plugin_opt_config_file ${dynsec}`,
      'persistence false',
      'log_dest stderr',
      'log_type all',
      // Started as root (CI containers), Mosquitto drops to the `mosquitto` user, which cannot read our 0700 temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  const log: string[] = [];
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const c = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          log.push(l);
          if (/mosquitto version .* running/.test(l)) resolve();
        }
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${log.slice(-5).join(' | ')}`)));
    });
  }

  async function stop(): Promise<void> {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  }

  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    adminUser,
    adminPassword,
    log,
    start,
    stop,
    async dispose() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
