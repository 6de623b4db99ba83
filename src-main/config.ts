import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Locale } from '../src-shared/api/common';
import { PIN_HASH_FORMAT } from './services/pin-hash';
import { ConfigError } from './config-error';
import { readBoolFlag, strayArgument } from '../src-common/cli';
import { loadLayout } from './hardware/layouts';
import { BoardSection, resolveBoardChoice } from './config-board';
import { DEFAULT_LAYOUT, FAMILY_TRAITS, assertLayoutFits } from './hardware/family';

export { ConfigError };

/**
 * The kiosk's configuration file as written: one JSON file (`--config` / KIOSK_CONFIG), every field overridable by a
 * flag. With nothing configured the kiosk runs the demo: simulated board, local SQLite, embedded fleet server.
 */
const KioskConfigFields = z
  .object({
    dataDir: z.string().min(1).optional(),
    /** Which board family, on which line (ADR 0022). Resolved into `config.board` together with `serial.protocol`. */
    board: BoardSection.optional(),
    serial: z
      .object({
        /** The old spelling of the transport: `simulator`, or `kerong-cu16` = a serial line at `path`. See `board`. */
        protocol: z.enum(['kerong-cu16', 'simulator']).default('simulator'),
        path: z.string().min(1).optional(),
        baud: z.union([z.literal(9600), z.literal(19200), z.literal(38400), z.literal(57600), z.literal(115200)]).default(19200),
        lockBitMeansClosed: z.boolean().default(true),
        itemSensors: z.boolean().default(true),
      })
      .strict()
      .default({ protocol: 'simulator', baud: 19200, lockBitMeansClosed: true, itemSensors: true }),
    /** A serial barcode scanner (one read per line). Keyboard-wedge scanners need no configuration. */
    scanner: z
      .object({ path: z.string().min(1), baud: z.number().int().min(1200).max(115200).default(9600) })
      .strict()
      .optional(),
    /** Default: the family's demo layout (demo-24 for cu16, cu12-24 for cu12). */
    layout: z.string().min(1).optional(),
    server: z
      .object({ url: z.url().optional(), enrollmentToken: z.string().min(8).max(256).optional() })
      .strict()
      .default({}),
    allocation: z.enum(['best-fit', 'exact-fit']).default('best-fit'),
    pickupWindowDays: z.number().int().min(1).max(60).default(3),
    graceSeconds: z.number().int().min(0).max(600).default(60),
    /** A door still open this long after it opened raises a `door_left_open` alarm (once per opening). */
    doorLeftOpenSeconds: z.number().int().min(5).max(3600).default(120),
    /**
     * Wrong entries (ADR 0008 (code lockout)). Technician PIN: `maxAttempts` in `windowMinutes` lock it for `lockMinutes` (doubling).
     * Pickup codes: `maxAttempts` plain wrong codes in a rolling `codeWindowHours` harden the keypad (code + check
     * code, at most one answer per `hardenedPaceMs` kiosk-wide) instead of refusing everyone.
     */
    lockout: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).default(5),
        windowMinutes: z.number().min(1).max(1440).default(15),
        lockMinutes: z.number().min(1).max(1440).default(5),
        codeWindowHours: z.number().min(1).max(48).default(24),
        hardenedPaceMs: z.number().int().min(0).max(60_000).default(2000),
      })
      .strict()
      .default({ maxAttempts: 5, windowMinutes: 15, lockMinutes: 5, codeWindowHours: 24, hardenedPaceMs: 2000 }),
    /**
     * The disk reserve (ADR disk-bounds): with less free space than `reserveMiB` on the data dir's file system the store
     * turns `full` (new pickups, drop-offs and collections refused, exactly as on SQLITE_FULL, ADR 0007), the technician
     * gets a `disk_low` alarm and the fleet a `disk.low` alert; the reserve finishes what is under way.
     */
    disk: z
      .object({ reserveMiB: z.number().int().min(1).max(1_048_576).default(256) })
      .strict()
      .default({ reserveMiB: 256 }),
    /** Salted scrypt hash of the technician fallback PIN (`npm run pin-hash -- <PIN>`); never the PIN itself. */
    technicianPinHash: z.string().regex(PIN_HASH_FORMAT, 'expected the output of npm run pin-hash').optional(),
    locale: Locale.default('en'),
    hostPort: z.number().int().min(0).max(65535).default(8420),
    windowed: z.boolean().default(false),
    host: z.boolean().default(false),
    /**
     * Run the embedded demo fleet (demo parcels, badges) even on real boards. Without a server URL the demo runs
     * by itself only with the simulated board, so a kiosk on real doors never hands out demo badges by accident.
     */
    demo: z.boolean().default(false),
  })
  .strict();

/**
 * The configuration as the kiosk reads it: `board` resolved (family + transport, from `board` or the old
 * `serial.protocol`), the layout defaulted for the family, and `serial.itemSensors` false where the family has none.
 */
export const KioskConfig = KioskConfigFields.transform((c, ctx) => {
  const choice = resolveBoardChoice(c.board, c.serial);
  if (!choice.ok) {
    ctx.addIssue({ code: 'custom', path: choice.path, message: choice.message });
    return z.NEVER;
  }
  const { family } = choice.board;
  return {
    ...c,
    board: choice.board,
    layout: c.layout ?? DEFAULT_LAYOUT[family],
    serial: { ...c.serial, itemSensors: c.serial.itemSensors && FAMILY_TRAITS[family].itemSensors },
  };
});
export type KioskConfig = z.infer<typeof KioskConfig>;

/** `--help`: what the kiosk entry points (npm start, host mode, Electron) accept. */
export const KIOSK_USAGE = [
  'usage: npm start -- [--config FILE] [--data-dir DIR] [--board-family cu16|cu12] [--board-transport simulator|DEV]',
  '         [--protocol simulator|kerong-cu16] [--serial-path DEV] [--serial-baud N] [--scanner-path DEV]',
  '         [--layout NAME|FILE] [--server-url URL] [--enrollment-token T]',
  '         [--host-port N] [--locale en|es|pl|de] [--windowed] [--host] [--demo] [--<any.config.field> VALUE]',
  'Every field of the configuration file can be set by its dotted path; see the README\'s configuration table.',
  'A boolean flag is --x, --no-x, --x=true or --x=false (never a separate word); no other arguments are taken.',
].join('\n');

type Flag = { key: string; type: 'string' | 'int' | 'bool'; set: (raw: Record<string, unknown>, v: unknown) => void };
const sub = (raw: Record<string, unknown>, k: string) => ((raw[k] ??= {}) as Record<string, unknown>);
const FLAGS: Record<string, Flag> = {
  '--data-dir': { key: 'dataDir', type: 'string', set: (r, v) => (r.dataDir = v) },
  '--serial-path': { key: 'serial.path', type: 'string', set: (r, v) => (sub(r, 'serial').path = v) },
  '--serial-baud': { key: 'serial.baud', type: 'int', set: (r, v) => (sub(r, 'serial').baud = v) },
  '--protocol': { key: 'serial.protocol', type: 'string', set: (r, v) => (sub(r, 'serial').protocol = v) },
  '--board-family': { key: 'board.family', type: 'string', set: (r, v) => (sub(r, 'board').family = v) },
  '--board-transport': { key: 'board.transport', type: 'string', set: (r, v) => (sub(r, 'board').transport = v) },
  '--scanner-path': { key: 'scanner.path', type: 'string', set: (r, v) => (sub(r, 'scanner').path = v) },
  '--layout': { key: 'layout', type: 'string', set: (r, v) => (r.layout = v) },
  '--server-url': { key: 'server.url', type: 'string', set: (r, v) => (sub(r, 'server').url = v) },
  '--enrollment-token': { key: 'server.enrollmentToken', type: 'string', set: (r, v) => (sub(r, 'server').enrollmentToken = v) },
  '--host-port': { key: 'hostPort', type: 'int', set: (r, v) => (r.hostPort = v) },
  '--locale': { key: 'locale', type: 'string', set: (r, v) => (r.locale = v) },
  '--windowed': { key: 'windowed', type: 'bool', set: (r, v) => (r.windowed = v) },
  '--host': { key: 'host', type: 'bool', set: (r, v) => (r.host = v) },
  '--demo': { key: 'demo', type: 'bool', set: (r, v) => (r.demo = v) },
};

/**
 * Reads the config file (if any) and applies flags over it. Throws ConfigError naming the field; the entry
 * points print its message and exit with code 2.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): KioskConfig {
  const args = [...argv];
  if (args.includes('--help') || args.includes('-h')) throw new ConfigError(KIOSK_USAGE, 0);
  let file = env.KIOSK_CONFIG;
  const ci = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (ci >= 0) {
    const inline = args[ci]!.startsWith('--config=');
    file = inline ? args[ci]!.slice('--config='.length) : args[ci + 1];
    if (!file || file.startsWith('--')) throw new ConfigError('--config needs a file path');
    args.splice(ci, inline ? 1 : 2);
  }
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(path.resolve(file), 'utf8');
    } catch (err) {
      throw new ConfigError(`config file ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be an object');
      raw = parsed as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`config file ${file}: not valid JSON (${(err as Error).message})`);
    }
  }
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!;
    const [flagName, inline] = name.includes('=') ? [name.slice(0, name.indexOf('=')), name.slice(name.indexOf('=') + 1)] : [name, undefined];
    const flag = FLAGS[flagName] ?? dottedFlag(flagName);
    // Booleans: `--windowed`, `--no-windowed`, `--windowed=true|false`; never the next word (`--x no` meant true).
    const bool = boolFlag(name);
    if (bool) {
      bool.flag.set(raw, bool.value);
      continue;
    }
    if (!flag) {
      // Electron and Chromium add switches of their own; only ours are ours to judge.
      if (flagName.startsWith('--') && !flagName.startsWith('--inspect') && !isForeignSwitch(flagName)) throw new ConfigError(`unknown option ${flagName}`);
      // A word no flag took: a stray argument, or a value given to a boolean flag as a separate word.
      if (!flagName.startsWith('--')) throw new ConfigError(strayArgument(name, args[i - 1], (n) => boolFlag(`--${n}`) !== null).message);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`${flagName} needs a value (${flag.key})`);
    if (flag.type === 'int') {
      const n = Number(value);
      if (!Number.isFinite(n) || value.trim() === '') throw new ConfigError(`${flagName}: "${value}" is not a number (${flag.key})`);
      flag.set(raw, n);
    } else flag.set(raw, value);
  }
  const result = KioskConfig.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.join('.') || '(top level)';
    throw new ConfigError(`invalid configuration: ${where}: ${issue.message}`);
  }
  const config = result.data;
  // Checked here, before anything is opened, so a wrong value is one line and exit 2 rather than a stack later.
  assertLayoutFits(loadLayout(config.layout), config.board.family);
  return config;
}

type LeafType = Flag['type'];
let leafCache: Map<string, LeafType> | null = null;

/** Every field of the schema by dotted path, with the kind of value a flag for it takes. */
function configLeaves(): Map<string, LeafType> {
  if (leafCache) return leafCache;
  const out = new Map<string, LeafType>();
  const walk = (schema: z.ZodType, prefix: string): void => {
    let t: z.ZodType = schema;
    // Peel .default() / .optional() wrappers down to the object or the value type.
    while (!(t instanceof z.ZodObject) && typeof (t as { unwrap?: () => z.ZodType }).unwrap === 'function') t = (t as unknown as { unwrap(): z.ZodType }).unwrap();
    if (t instanceof z.ZodObject) {
      for (const [k, v] of Object.entries(t.shape as Record<string, z.ZodType>)) walk(v, prefix ? `${prefix}.${k}` : k);
      return;
    }
    const kind = (t as { def?: { type?: string } }).def?.type;
    out.set(prefix, kind === 'boolean' ? 'bool' : kind === 'number' || kind === 'union' ? 'int' : 'string');
  };
  walk(KioskConfigFields, '');
  return (leafCache = out);
}

/**
 * Any field without a named flag can still be set from the command line by its dotted path, e.g.
 * `--lockout.maxAttempts 3` or `--serial.lockBitMeansClosed=false`: every field is overridable, as the design asks.
 */
function dottedFlag(flagName: string): Flag | undefined {
  const key = flagName.slice(2);
  const type = configLeaves().get(key);
  if (!flagName.startsWith('--') || !type) return undefined;
  return {
    key,
    type,
    set: (raw, v) => {
      const parts = key.split('.');
      let node = raw;
      for (const part of parts.slice(0, -1)) node = sub(node, part);
      node[parts.at(-1)!] = v;
    },
  };
}

/** A boolean flag in one of readBoolFlag's forms with its flag entry, or null; ConfigError for `--x=maybe`. */
function boolFlag(arg: string): { flag: Flag; value: boolean } | null {
  const lookup = (name: string): Flag | undefined => FLAGS[`--${name}`] ?? dottedFlag(`--${name}`);
  let read;
  try {
    read = readBoolFlag(arg, (name) => lookup(name)?.type === 'bool');
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return read ? { flag: lookup(read.name)!, value: read.value } : null;
}

function isForeignSwitch(name: string): boolean {
  return ['--no-sandbox', '--enable-logging', '--remote-debugging-port', '--user-data-dir', '--disable-gpu'].some((s) => name.startsWith(s));
}
