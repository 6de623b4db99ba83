import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/**
 * What every entry point does with its command line (issue 10 §5, red-team findings 7 and 8), shared by the kiosk
 * and the fleet server: `--help` prints the usage and exits 0; anything else wrong is one line and exit 2.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** 0: `message` is the usage text, for stdout. 2: a bad flag, value or path, one line for stderr. */
    readonly exitCode: 0 | 2 = 2,
  ) {
    super(message);
  }
}

/** Whether `argv` asks for help (`--help` or `-h`), looking only before a `--` (what follows belongs to a child). */
export function wantsHelp(argv: readonly string[]): boolean {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  return own.includes('--help') || own.includes('-h');
}

/** The one-line form of a boolean flag's rule, for error messages. */
export function boolForms(flag: string): string {
  if (flag.startsWith('--no-')) return `${flag}, ${flag}=true or ${flag}=false`;
  return `${flag}, --no-${flag.slice(2)}, ${flag}=true or ${flag}=false`;
}

/**
 * Reads a boolean flag written as `--x`, `--no-x`, `--x=true` or `--x=false` (the only forms: a following word is
 * never taken as its value, so `--x no` cannot silently mean true). `isBool(name)` says which names are boolean.
 * Returns null when `arg` is not a boolean flag; throws CliError for `--x=maybe`.
 */
export function readBoolFlag(arg: string, isBool: (name: string) => boolean): { name: string; value: boolean } | null {
  if (!arg.startsWith('--')) return null;
  const eq = arg.indexOf('=');
  const flag = eq < 0 ? arg : arg.slice(0, eq);
  const inline = eq < 0 ? undefined : arg.slice(eq + 1);
  let name = flag.slice(2);
  let value = true;
  // An option whose own name starts with "no-" (the launcher's --no-browser) is itself, not a negation.
  if (!isBool(name) && name.startsWith('no-') && isBool(name.slice(3))) {
    if (inline !== undefined) throw new CliError(`${flag} takes no value; use ${boolForms(`--${name.slice(3)}`)}`);
    name = name.slice(3);
    value = false;
  } else if (!isBool(name)) return null;
  if (inline !== undefined) {
    if (inline !== 'true' && inline !== 'false') throw new CliError(`${flag}: "${inline}" is not true or false; use ${boolForms(flag)}`);
    value = inline === 'true';
  }
  return { name, value };
}

/** The error for a word that no flag takes: right after a boolean flag it explains the forms, else a stray argument. */
export function strayArgument(word: string, previous: string | undefined, isBool: (name: string) => boolean): CliError {
  const prev = previous?.startsWith('--') && !previous.includes('=') ? previous : undefined;
  if (prev && readBoolFlagSafe(prev, isBool)) {
    return new CliError(`${prev} takes no separate value ("${word}"); use ${boolForms(prev.startsWith('--no-') && !isBool(prev.slice(2)) ? `--${prev.slice(5)}` : prev)}`);
  }
  return new CliError(`unexpected argument "${word}" (flags start with --; see --help)`);
}

function readBoolFlagSafe(arg: string, isBool: (name: string) => boolean): boolean {
  try {
    return readBoolFlag(arg, isBool) !== null;
  } catch {
    return false;
  }
}

/**
 * `node:util` parseArgs with the project's rules: `--help`/`-h` → CliError(usage, 0); booleans in the four forms of
 * readBoolFlag (defaults from `options` kept); no positional arguments; every failure a one-line CliError naming the
 * flag. `argv` is this program's own part (split off anything after `--` first).
 */
export function parseFlags<O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O, usage: string): ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'] {
  if (wantsHelp(argv)) throw new CliError(usage, 0);
  const isBool = (name: string): boolean => options[name]?.type === 'boolean';
  const bools: Record<string, boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const b = readBoolFlag(arg, isBool);
    if (b) {
      bools[b.name] = b.value;
      continue;
    }
    if (!arg.startsWith('-')) {
      // A word not consumed as a string flag's value (parseArgs takes `--port 80`'s 80 itself: see below).
      const prevFlag = argv[i - 1];
      const takesValue = prevFlag?.startsWith('--') && !prevFlag.includes('=') && options[prevFlag.slice(2)]?.type === 'string';
      if (!takesValue) throw strayArgument(arg, prevFlag, isBool);
    }
    rest.push(arg);
  }
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: rest, options, strict: true, allowPositionals: false }));
  } catch (err) {
    // Node's messages run on ("To specify a positional argument…"): the first sentence names the flag.
    throw new CliError(`${(err as Error).message.split('\n')[0]!.split('. ')[0]!.replace(/\.$/, '')} (see --help)`);
  }
  return { ...values, ...bools } as ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];
}

/**
 * Makes sure `dir` is a directory this process can create files in, creating it (and missing parents) with `mode`.
 * Returns null when it is, else one line saying what is wrong with which path (a regular file, a place where
 * directories cannot be made such as /proc, no write permission, a read-only disk). Never recursive mkdir: Node's
 * `mkdirSync(…, { recursive: true })` spins forever under /proc (red-team finding 7).
 */
export function prepareDataDir(dir: string, mode = 0o700): string | null {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(existing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const up = path.dirname(existing);
        if (up === existing) return `${target}: cannot be created (no such file system root)`;
        missing.unshift(existing);
        existing = up;
        continue;
      }
      if (code === 'ENOTDIR') return `${target}: a path component is a file, not a directory`;
      return `${target}: cannot be read (${code ?? (err as Error).message})`;
    }
    if (!st.isDirectory()) return existing === target ? `${target} is a file, not a directory` : `${target}: ${existing} is a file, not a directory`;
    break;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d, { mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      return `${target}: cannot create ${d} (${code ?? 'error'}${code === 'ENOENT' || code === 'EPERM' ? ': this file system takes no new directories here' : code === 'EACCES' ? ': no permission' : ''})`;
    }
  }
  // Permission bits do not tell (root, ACLs, read-only mounts): write a file and remove it.
  const probe = path.join(target, `.write-probe-${process.pid}`);
  try {
    fs.writeFileSync(probe, '', { flag: 'wx', mode: 0o600 });
    fs.rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `${target}: not writable (${code ?? 'error'}${code === 'EACCES' || code === 'EPERM' ? ': no permission for this user' : code === 'EROFS' ? ': read-only file system' : ''})`;
  }
  return null;
}
