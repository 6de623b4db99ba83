import { CommandsResponse, type HeartbeatRequest } from '../../src-shared/sync-protocol';
import type { KioskContext } from '../context';
import type { Logger } from '../log';
import type { Repos } from '../store/index';
import { SyncError, type Credentials, type SyncHttp } from './http';

/**
 * The kiosk's side of remote commands over the signed HTTP path (ADR remote-commands): fetch the queue, run each
 * command (services/remote-commands.ts checks signature, kiosk, expiry and replay), and report at once. Returns how
 * many commands were handed over. Errors of the fetch propagate (the sync cycle's backoff handles them).
 */
export async function fetchAndRunCommands(ctx: KioskContext, http: SyncHttp, creds: Credentials, log: Logger): Promise<number> {
  let res: CommandsResponse;
  try {
    res = await http.signed(creds, 'GET', `/v1/kiosks/${encodeURIComponent(creds.kioskId)}/commands`, undefined, CommandsResponse);
  } catch (err) {
    if (err instanceof SyncError && err.status === 404) return 0; // a fleet server from before remote commands
    throw err;
  }
  if (res.commands.length === 0) return 0;
  const outcomes = await ctx.services.remote.runAll(res.commands);
  log.info('remote commands handled', { outcomes: outcomes.map((o) => `${o.commandId}:${o.outcome}${o.reason ? `:${o.reason}` : ''}`).join(',') });
  return res.commands.length;
}

/** Every compartment's state for the console's live grid (heartbeat `compartments`); undefined when unavailable. */
export function compartmentGrid(ctx: KioskContext, repos: Repos): HeartbeatRequest['compartments'] {
  try {
    return repos.compartments
      .all()
      .filter((c) => c.inLayout)
      .slice(0, 400)
      .map((c) => {
        const v = ctx.services.maintenance.view(c);
        return { id: c.id, size: c.size, status: v.status, door: v.door };
      });
  } catch {
    return undefined; // services not up (start-up, tests with a bare store): the grid waits for the next heartbeat
  }
}
