import { sql } from 'kysely';
import type { Q, Store } from './db';

interface Pending {
  run: (q: Q) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for durable writes on SQLite: work submitted in the same turn of the event loop runs in one
 * transaction, each piece in its own savepoint (a failing piece rolls back alone and rejects alone), and every promise
 * settles only after the one fsynced COMMIT. Under load, requests that arrived while the previous fsync blocked share
 * the next commit, so throughput follows the request rate, not 1/fsync-time.
 * On PostgreSQL each piece is its own transaction (with retries): many connections commit in parallel and the server
 * groups their WAL flushes itself; one shared transaction would make one instance's requests wait on each other's locks.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly store: Store) {}

  submit<T>(run: (q: Q) => Promise<T>): Promise<T> {
    if (this.store.dialect === 'postgres') return this.store.tx(run);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const items = this.queue;
    this.queue = [];
    this.scheduled = false;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.store.tx(async (q) => {
        outcomes.length = 0;
        for (const item of items) {
          await sql`SAVEPOINT gc`.execute(q);
          try {
            outcomes.push({ ok: true, value: await item.run(q) });
            await sql`RELEASE gc`.execute(q);
          } catch (error) {
            await sql`ROLLBACK TO gc`.execute(q);
            await sql`RELEASE gc`.execute(q);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of items) item.reject(error);
      return;
    }
    items.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }
}
