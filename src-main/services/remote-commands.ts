import { commandIdOf, verifyCommand, type CommandClaims } from '../../src-common/command-token';
import { KioskError } from '../../src-shared/errors';
import type { DoorEngine } from './doors';
import { takeOutOfService } from './finish';
import type { Kit } from './kit';

/** A command as fetched from GET /v1/kiosks/:id/commands. */
export interface FetchedCommand {
  commandId: string;
  token: string;
}

type Outcome = 'executed' | 'refused' | 'door_fault';
export interface CommandOutcome {
  commandId: string;
  outcome: Outcome;
  reason?: string;
}

/**
 * Runs the fleet's remote commands on this kiosk (issue 12, ADR remote-commands). Each command must carry the fleet's
 * signature (the badge key from enrollment), name this kiosk, be unexpired by this kiosk's wall clock, and not have
 * been decided before (the `remote_commands` table). Whatever happens is audited here (operator, reason) and reported
 * to the fleet as a `command.result` outbox event; the decision, the audit entry, the event and what the command
 * changed commit together, so a crash never runs a command twice nor forgets one it ran.
 * A door opens like a technician's maintenance open: journaled first, refused when its board is known offline.
 */
export class RemoteCommandService {
  constructor(
    private readonly kit: Kit,
    private readonly doors: DoorEngine,
  ) {}

  /** Runs the fetched commands in order; returns what became of each. Never throws for a bad command. */
  async runAll(list: readonly FetchedCommand[]): Promise<CommandOutcome[]> {
    const out: CommandOutcome[] = [];
    for (const c of list) out.push(await this.run(c));
    return out;
  }

  async run(c: FetchedCommand): Promise<CommandOutcome> {
    const { kit } = this;
    const kioskId = kit.repos.enrollment.kioskId();
    const key = kit.repos.enrollment.getBadgePublicKey();
    const id = commandIdOf(c.token) ?? c.commandId;
    if (!kioskId || !key) return this.refuse(id, null, 'not_enrolled');
    const v = verifyCommand(c.token, key, kioskId, kit.now());
    if (!v.ok) return this.refuse(id, v.claims ?? null, v.reason);
    const cl = v.claims;
    if (this.decided(cl.cid)) return this.refuse(cl.cid, cl, 'replayed', false);
    const comp = kit.repos.compartments.get(cl.cmp);
    if (!comp || !comp.inLayout) return this.refuse(cl.cid, cl, 'unknown_compartment');
    if (cl.op === 'door.open') return this.openDoor(cl);
    const actor = actorOf(cl);
    kit.tx(() => {
      this.remember(cl.cid, cl.op, 'executed', null);
      if (cl.op === 'compartment.out_of_service') {
        if (comp.inService) takeOutOfService(kit, cl.cmp, cl.reason, actor);
      } else if (!comp.inService) {
        kit.repos.compartments.setService(cl.cmp, true, null);
        kit.audit(actor, 'compartment.in_service', { compartmentId: cl.cmp, reason: cl.reason });
        kit.queue('compartment.in_service', { compartmentId: cl.cmp });
      }
      kit.audit(actor, 'remote.command_executed', detailOf(cl));
      kit.queue('command.result', { commandId: cl.cid, outcome: 'executed', compartmentId: cl.cmp });
    });
    return { commandId: cl.cid, outcome: 'executed' };
  }

  private async openDoor(cl: CommandClaims): Promise<CommandOutcome> {
    const { kit } = this;
    const actor = actorOf(cl);
    // A parcel behind that door is now outside the pickup flow's control: named in the audit and the report, so the
    // console can ask for it to be inspected.
    const parcel = kit.repos.parcels.inCompartment(cl.cmp);
    const inside = parcel ? { parcelBarcode: parcel.barcode } : {};
    let op;
    try {
      op = this.doors.journal({ purpose: 'maintenance', compartmentId: cl.cmp, parcelId: null, actor, reason: cl.reason.slice(0, 200), sessionId: null }, (row) => {
        this.remember(cl.cid, cl.op, 'executed', null);
        kit.audit(actor, 'remote.open_door', { ...detailOf(cl), operationId: row.id, ...inside });
        kit.queue('maintenance.door_opened', { compartmentId: cl.cmp, reason: cl.reason.slice(0, 200) });
        kit.queue('command.result', { commandId: cl.cid, outcome: 'executed', compartmentId: cl.cmp, operationId: row.id, ...inside });
      });
    } catch (err) {
      const code = err instanceof KioskError ? err.code : 'ERROR';
      return this.refuse(cl.cid, cl, code === 'HARDWARE_OFFLINE' ? 'board_offline' : code === 'INVALID_STATE' ? 'busy' : 'error');
    }
    try {
      await this.doors.send(op);
      return { commandId: cl.cid, outcome: 'executed' };
    } catch (err) {
      // The unlock failed after the command was taken (journaled, reported executed in that transaction): a second
      // report turns it into door_fault at the server (the one change a settled command may still take).
      const reason = err instanceof KioskError && err.code === 'HARDWARE_OFFLINE' ? 'board_offline' : 'door_fault';
      kit.tx(() => {
        kit.audit(actor, 'remote.open_door_failed', { ...detailOf(cl), operationId: op.id, reason });
        kit.queue('command.result', { commandId: cl.cid, outcome: 'door_fault', reason, compartmentId: cl.cmp, operationId: op.id });
      });
      return { commandId: cl.cid, outcome: 'door_fault', reason };
    }
  }

  /** Audits and reports a refusal; `remember` false for a replay (the id is decided already). */
  private refuse(id: string | null, cl: CommandClaims | null, reason: string, remember = true): CommandOutcome {
    const { kit } = this;
    const actor = cl ? actorOf(cl) : 'fleet:unknown';
    kit.tx(() => {
      // Only a verified id is remembered: an unverified one may be a forgery naming a genuine command still to come.
      if (remember && cl && !this.decided(cl.cid)) this.remember(cl.cid, cl.op, 'refused', reason);
      kit.audit(actor, 'remote.command_refused', { ...(cl ? detailOf(cl) : {}), commandId: id, refused: reason });
      if (id) kit.queue('command.result', { commandId: id, outcome: 'refused', reason, ...(cl && /^[A-Z]{1,2}[0-9]{2,3}$/.test(cl.cmp) ? { compartmentId: cl.cmp } : {}) });
    });
    kit.log.warn('remote command refused', { commandId: id, reason });
    return { commandId: id ?? '(unreadable)', outcome: 'refused', reason };
  }

  private decided(id: string): boolean {
    return this.kit.repos.db.prepare(`SELECT 1 FROM remote_commands WHERE id = ?`).get(id) !== undefined;
  }

  private remember(id: string, op: string, outcome: Outcome, reason: string | null): void {
    this.kit.repos.db.prepare(`INSERT INTO remote_commands (id, at, op, outcome, reason) VALUES (?, ?, ?, ?, ?)`).run(id, this.kit.now(), op, outcome, reason);
  }
}

/** Audit actor of a remote command: the operator who gave it, as the fleet named them. */
function actorOf(cl: CommandClaims): string {
  return `operator:${cl.by}`;
}

function detailOf(cl: CommandClaims): Record<string, unknown> {
  return { commandId: cl.cid, op: cl.op, compartmentId: cl.cmp, reason: cl.reason, operator: cl.byEmail, issuedAt: new Date(cl.iat).toISOString() };
}
