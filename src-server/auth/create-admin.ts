import path from 'node:path';
import { CliError, parseFlags, prepareDataDir } from '../../src-common/cli';
import { ZodError } from 'zod';
import { openStore } from '../store/db';
import { createOperator, Password } from './accounts';
import { generatePassword } from './passwords';

/** `npm run server -- create-admin --help`. */
export const CREATE_ADMIN_USAGE = [
  'usage: npm run server -- create-admin --email ADDR [--name NAME] [--password-stdin] [--data-dir DIR | --database-url URL]',
  'Creates an admin of the operator console. With --password-stdin the password is the first line of stdin (never',
  'a flag); without it one is generated and printed once.',
].join('\n');

/**
 * `npm run server -- create-admin --email ADDR [--name NAME] [--password-stdin] [--data-dir DIR | --database-url URL]`:
 * the first admin of a fleet, from the machine that runs it (issue 12; nobody can sign in to make the first one).
 * With --password-stdin the password is the first line of stdin (never argv: it would sit in the process list and the
 * shell history); without it one is generated and printed once. Prints one line on success (exit 0), or one line on
 * stderr and exit 2: a taken e-mail, a bad address, a short password, a database it cannot open.
 */
export async function createAdminCli(argv: string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const fail = (m: string) => {
    process.stderr.write(`create-admin: ${m.split('\n')[0]}\n`);
    return 2;
  };
  let values;
  try {
    values = parseFlags(
      argv,
      {
        email: { type: 'string' },
        name: { type: 'string', default: 'Administrator' },
        'password-stdin': { type: 'boolean', default: false },
        'data-dir': { type: 'string', default: '.fleet-data' },
        'database-url': { type: 'string' },
      },
      CREATE_ADMIN_USAGE,
    );
  } catch (err) {
    if (err instanceof CliError && err.exitCode === 0) {
      process.stdout.write(`${err.message}\n`);
      return 0;
    }
    return fail((err as Error).message);
  }
  if (!values.email) return fail('--email is required');
  const generated = !values['password-stdin'];
  const password = generated ? generatePassword() : await firstLine(stdin);
  const p = Password.safeParse(password);
  if (!p.success) return fail(`password: ${p.error.issues[0]?.message ?? 'not accepted'}`);
  // The SQLite store's folder: a file or /proc/… is one line, never a stack or a hang (red-team finding 7).
  const dirProblem = values['database-url'] ? null : prepareDataDir(path.resolve(values['data-dir']!));
  if (dirProblem) return fail(`--data-dir ${dirProblem}`);
  try {
    const store = await openStore({ dataDir: path.resolve(values['data-dir']!), ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}) });
    try {
      const op = await store.tx((q) => createOperator(q, Date.now(), { email: values.email!, name: values.name!, role: 'admin', password }));
      process.stdout.write(`admin created: ${op.email}${generated ? ` password: ${password}` : ''}\n`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    if (err instanceof ZodError) return fail(err.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; '));
    return fail((err as Error).message);
  }
}

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let buf = '';
  for await (const chunk of stdin) {
    buf += String(chunk);
    if (buf.includes('\n')) break;
  }
  return buf.split(/\r?\n/)[0] ?? '';
}
