import path from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from './store/db';
import { currentEpoch, rotateEpoch } from './services/epoch';

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
    ({ values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string', default: '.fleet-data' }, 'database-url': { type: 'string' } }, strict: true }));
  } catch (err) {
    process.stderr.write(`restore-mark: ${(err as Error).message.split('\n')[0]}\n`);
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
