/**
 * The real parts bench/fleet-cluster.ts runs against (helper: run-all skips `_` files): a private PostgreSQL 15
 * cluster with its default durability (fsync and synchronous_commit on, unlike the tests' cluster), HAProxy with
 * active HTTP health checks, fleet-server processes, and /proc CPU accounting. Everything on loopback.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..');
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const HAPROXY = '/usr/sbin/haproxy';

/** The apt packages missing for the cluster half (empty: all there). */
export function missingPackages(): string[] {
  const missing: string[] = [];
  if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) missing.push('postgresql');
  if (!fs.existsSync(HAPROXY)) missing.push('haproxy');
  if (!fs.existsSync('/usr/sbin/mosquitto') || !fs.existsSync('/usr/bin/mosquitto_ctrl')) missing.push('mosquitto mosquitto-clients');
  return missing;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const isRoot = process.getuid?.() === 0;

/** Every process this bench started, killed if the bench itself dies half-way (nothing left running). */
const spawned = new Set<ChildProcess>();
const stopAtExit: (() => void)[] = [];
process.once('exit', () => {
  for (const c of spawned) if (c.exitCode === null) c.kill('SIGKILL');
  for (const f of stopAtExit) {
    try {
      f();
    } catch {
      /* best effort */
    }
  }
});
function pgRun(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]] : [path.join(PG_BIN, bin), args];
  const r = spawnSync(cmd, argv as string[], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
}

/** A private PostgreSQL cluster with production durability; `pids()` lists its processes (for CPU). */
export async function startPostgres(): Promise<{ url: string; pids(): number[]; stop(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pg-'));
  if (isRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  pgRun('initdb', ['-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '-D', data]);
  const port = await freePort();
  pgRun('pg_ctl', ['start', '-w', '-D', data, '-l', path.join(dir, 'log'), '-o', `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c max_connections=300`]);
  const postmaster = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      pgRun('pg_ctl', ['stop', '-D', data, '-m', 'immediate']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  stopAtExit.push(stop);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pids: () => [postmaster, ...childrenOf(postmaster)],
    stop,
  };
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) a process has used so far, or null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICK;
  } catch {
    return null;
  }
}

/** Sums CPU over a changing set of processes: a process that exits keeps what was last read of it. */
export class CpuMeter {
  private last = new Map<number, number>();
  private base = new Map<number, number>();
  constructor(private readonly pids: () => number[]) {}
  /** Call at the start and often (every ~200 ms) so a killed process's CPU is not lost. */
  sample(): void {
    for (const pid of this.pids()) {
      const s = cpuSeconds(pid);
      if (s === null) continue;
      if (!this.base.has(pid)) this.base.set(pid, 0);
      this.last.set(pid, s);
    }
  }
  /** Marks now as zero for every process seen so far (processes started later count from their start). */
  reset(): void {
    this.sample();
    for (const [pid, s] of this.last) this.base.set(pid, s);
  }
  total(): number {
    let t = 0;
    for (const [pid, s] of this.last) t += s - (this.base.get(pid) ?? 0);
    return t;
  }
}

export interface FleetInstance {
  url: string;
  port: number;
  child: ChildProcess;
}

/**
 * One fleet-server process (`node --import tsx src-server/main.ts`: one process, so /proc/<pid> is the server itself).
 * Resolves on `fleet server ready:`.
 */
export async function spawnFleet(args: string[], env: Record<string, string> = {}): Promise<FleetInstance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src-server/main.ts'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  spawned.add(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /fleet server ready: (\S+)/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`fleet server exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`)));
  });
  child.stdout!.resume();
  return { url, port: Number(new URL(url).port), child };
}

/** One HAProxy server's state from the stats CSV. */
export interface BackendState {
  name: string;
  status: string;
}

/**
 * HAProxy in front of `backends` (round robin, HTTP health check `GET /` every 300 ms, down after 2 failures, up after
 * 2 successes; the answering instance named in `x-backend`), and its stats page for reading the servers' states.
 */
export async function startHaproxy(backends: number[]): Promise<{ url: string; states(): Promise<BackendState[]>; pid: () => number; stop(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-haproxy-'));
  const port = await freePort();
  const statsPort = await freePort();
  const cfg = [
    'global',
    '  maxconn 8000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 30s',
    '  option http-keep-alive',
    // The kiosk's own address travels in X-Forwarded-For; the servers run with --trust-proxy.
    '  option forwardfor',
    // A request whose instance died mid-flight is not retried (POSTs are not idempotent in general): the kiosk retries.
    '  retries 2',
    '  option redispatch',
    'frontend fleet',
    `  bind 127.0.0.1:${port}`,
    '  default_backend servers',
    'backend servers',
    '  balance roundrobin',
    '  option httpchk GET /',
    '  http-check expect status 200-399',
    '  http-response set-header x-backend %s',
    ...backends.map((p, i) => `  server s${i + 1} 127.0.0.1:${p} check inter 300ms fall 2 rise 2`),
    'frontend stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'haproxy.cfg'), cfg);
  const child = spawn(HAPROXY, ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
  spawned.add(child);
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-3000)));
  const states = async (): Promise<BackendState[]> => {
    const r = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
    const lines = (await r.text()).split('\n');
    const head = lines[0]!.replace(/^# /, '').split(',');
    const [px, sv, st] = ['pxname', 'svname', 'status'].map((k) => head.indexOf(k));
    return lines
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c[px!] === 'servers' && /^s\d+$/.test(c[sv!] ?? ''))
      .map((c) => ({ name: c[sv!]!, status: c[st!]! }));
  };
  for (let i = 0; ; i++) {
    try {
      const s = await states();
      if (s.length === backends.length && s.every((b) => b.status === 'UP')) break;
    } catch {
      /* not listening yet */
    }
    if (i > 100) throw new Error(`haproxy did not mark every backend UP: ${log.trim().split('\n').slice(-4).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    states,
    pid: () => child.pid!,
    stop() {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
