import type { ParseArgsOptionsConfig } from 'node:util';
import { CliError, parseFlags } from '../src-common/cli';

/**
 * A bench script's flags, read as every entry point reads them (src-common/cli.ts): `--help` prints `usage` and
 * exits 0; an unknown flag, a stray word or a value that is not a whole number (or a comma list of them, e.g.
 * `--batch 100,500`) is one line on stderr and exit 2, never a stack. Every bench flag is a count or a duration, but
 * those named in `words`, which take one of the listed words.
 */
export function benchArgs<O extends ParseArgsOptionsConfig>(options: O, usage: string, words: Partial<Record<keyof O, readonly string[]>> = {}): Record<keyof O, string> {
  const name = /bench\/[\w-]+\.ts/.exec(usage)?.[0] ?? 'bench';
  try {
    const values = parseFlags(process.argv.slice(2), options, usage) as Record<string, unknown>;
    for (const [flag, value] of Object.entries(values)) {
      const allowed = (words as Record<string, readonly string[] | undefined>)[flag];
      if (allowed) {
        if (!allowed.includes(String(value))) throw new CliError(`--${flag} must be one of ${allowed.join(', ')}, got "${String(value)}"`);
      } else if (typeof value === 'string' && !/^[0-9]+(,[0-9]+)*$/.test(value)) throw new CliError(`--${flag} must be a whole number, got "${value}"`);
    }
    return values as Record<keyof O, string>;
  } catch (err) {
    if (err instanceof CliError && err.exitCode === 0) {
      process.stdout.write(`${err.message}\n`);
      process.exit(0);
    }
    process.stderr.write(`${name}: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(2);
  }
}
