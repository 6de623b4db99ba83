import { createLogger, type Logger } from './log';

/**
 * The one policy for errors nothing caught (issue 9 §1): a kiosk in the street has no one to restart it, and a
 * process that exits on a stray exception takes the screen and door tracking with it. So an uncaught exception or
 * an unhandled rejection is logged (with a running count, so a storm is visible) and the process keeps serving.
 *
 * Doors stay safe by construction, not by anything done here: a lock is closed unless the door engine pulses it
 * open for a journalled operation, so an error can only ever leave a door shut. This handler therefore asks the
 * doors and services nothing at all; a fault in the middle of an operation is found and settled by the journal's
 * reconciliation as after a power cut.
 *
 * Installed once per process by host mode (`host/run.ts`) and by Electron (`electron/main.ts`), only once the kiosk
 * is serving: installed earlier it would also swallow a failed start-up (the entry's top-level `await` rejecting
 * reaches `uncaughtException`), leaving a process that exits 0 with no message, or never exits, and serves nothing.
 * A start-up failure must still end the process with its one line, so a supervisor restarts it. A second install
 * returns the first. Also gives stdout and stderr an `error` listener: with the parent's pipe gone (EPIPE), a log
 * write must not itself become an uncaught error that this handler logs to the same dead pipe, forever.
 */
export interface UnexpectedErrorPolicy {
  /** How many unexpected errors this process has survived. */
  count(): number;
}

const INSTALLED = Symbol.for('locker-kiosk.unexpected-error-policy');
type Proc = NodeJS.Process & { [INSTALLED]?: UnexpectedErrorPolicy };

/** Keeps a huge or odd error from making one log line of megabytes (a stack is a few KiB at most). */
function describe(err: unknown): string {
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : safeString(err);
  return text.length > 4_000 ? text.slice(0, 4_000) + '…' : text;
}

function safeString(x: unknown): string {
  try {
    return String(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}

export function installUnexpectedErrorPolicy(opts: { log?: Logger; proc?: NodeJS.Process } = {}): UnexpectedErrorPolicy {
  const proc = (opts.proc ?? process) as Proc;
  const existing = proc[INSTALLED];
  if (existing) return existing;
  const log = opts.log ?? createLogger('unexpected');
  let count = 0;

  const report = (kind: 'uncaughtException' | 'unhandledRejection', err: unknown) => {
    count += 1;
    try {
      log.error('unexpected error: logged, doors untouched, still serving', { kind, count, error: describe(err) });
    } catch {
      // Logging itself failed (stderr gone): there is nowhere left to say it, and throwing here would exit.
    }
  };
  proc.on('uncaughtException', (err, origin) => report(origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException', err));
  proc.on('unhandledRejection', (reason) => report('unhandledRejection', reason));
  for (const stream of [proc.stdout, proc.stderr]) stream?.on?.('error', () => {});

  const policy: UnexpectedErrorPolicy = { count: () => count };
  proc[INSTALLED] = policy;
  return policy;
}
