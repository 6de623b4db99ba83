import path from 'node:path';
import { CliError, parseFlags, prepareDataDir } from '../src-common/cli';
import { openStore } from './store/db';
import { currentEpoch, rotateEpoch } from './services/epoch';

/** `npm run server -- restore-mark --help`. */
export const RESTORE_MARK_USAGE = [
  'usage: npm run server -- restore-mark [--data-dir DIR | --database-url postgres://user:pass@host:port/db]',
  'After restoring the fleet database from a backup, before starting the instances: gives it a new epoch, so every',
  'kiosk re-sends the events it keeps (ADR 0013). Safe to run twice. Default --data-dir: .fleet-data.',
].join('\n');

/**
 * `npm run server -- restore-mark [--data-dir DIR | --database-url postgres://…]`: the step an operator runs after
 * putting a backup back (file copy, pg_restore), before starting the instances (ADR restore-epoch). It gives the
 * database a new epoch, so every kiosk resets its manifest cursor and re-sends the events it keeps; the server stores
 * each once (by UUID). Safe to run twice (each run only costs the kiosks one more re-send). Prints one line; exit 0,
 * or 2 with one line on stderr.
 */
export async function restoreMark(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseFlags(argv, { 'data-dir': { type: 'string', default: '.fleet-data' }, 'database-url': { type: 'string' } }, RESTORE_MARK_USAGE);
  } catch (err) {
    if (err instanceof CliError && err.exitCode === 0) {
      process.stdout.write(`${err.message}\n`);
      return 0;
    }
    process.stderr.write(`restore-mark: ${(err as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  // The SQLite store's folder: a file or /proc/… is one line, never a stack or a hang (red-team finding 7).
  const dirProblem = values['database-url'] ? null : prepareDataDir(path.resolve(values['data-dir']!));
  if (dirProblem) {
    process.stderr.write(`restore-mark: --data-dir ${dirProblem}\n`);
    return 2;
  }
  try {
    const store = await openStore({ dataDir: path.resolve(values['data-dir']!), ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}) });
    try {
      const [from, to] = await store.tx(async (q) => {
        const before = await currentEpoch(q);
        return [before, await rotateEpoch(q)] as const;
      });
      process.stdout.write(`fleet epoch rotated on ${store.where}: ${from} -> ${to} (kiosks will re-send their events)\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    process.stderr.write(`restore-mark: ${(err as Error).message.split('\n')[0]}\n`);
    return 2;
  }
}
