import type { z } from 'zod';
import type { CompartmentView as CompartmentViewSchema } from '../../src-shared/api/staff';
import { KioskError } from '../../src-shared/errors';
import type { CompartmentRow } from '../store/compartments';
import type { DoorEngine } from './doors';
import { badgeOf, takeOutOfService } from './finish';
import type { Kit } from './kit';
import { resolveOperation } from './resolve';
import { actorOf, type StaffSession } from './sessions';

/** The technician's view of one compartment: exactly the API table's shape, so the two cannot drift apart. */
export type CompartmentView = z.infer<typeof CompartmentViewSchema>;

/** The compartment and fault reference an audit detail names, if any, for the technician's list columns. */
function lifted(detail: string): { compartmentId: string | null; reference: string | null } {
  let d: unknown;
  try {
    d = JSON.parse(detail);
  } catch {
    return { compartmentId: null, reference: null };
  }
  const o = typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
  return { compartmentId: str(o.compartmentId), reference: str(o.reference) };
}

const hex = (bytes: readonly number[]) => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');

/** Technician mode: see everything, open any door with a reason, service state, self-test, audit. All audited. */
export class MaintenanceService {
  /**
   * Sessions whose audit viewing is already recorded: one `maintenance.audit_viewed` entry per session, not one per
   * visit to the tab or press of Refresh (red-team finding 11, issue 10: each visit wrote an entry). Weak, so an ended
   * session's object is freed with it; the session service hands back the same object for every call of a session.
   */
  private readonly auditViewed = new WeakSet<StaffSession>();

  constructor(
    private readonly kit: Kit,
    private readonly doors: DoorEngine,
  ) {}

  view(c: CompartmentRow): CompartmentView {
    const { kit } = this;
    const parcel = kit.repos.parcels.inCompartment(c.id);
    const busy = kit.repos.doorOps.activeFor(c.id);
    let state: { door: 'open' | 'closed' | null; item: boolean | null } = { door: null, item: null };
    try {
      state = kit.ctx.doors.compartment(c.id);
    } catch {
      // not on the board map: unknown
    }
    const status = !c.inService ? 'out_of_service' : parcel?.status === 'expired' ? 'expired' : parcel || busy ? 'occupied' : 'free';
    const opParcel = busy?.parcelId ? kit.repos.parcels.get(busy.parcelId) : null;
    return {
      id: c.id,
      size: c.size,
      column: c.column,
      row: c.row,
      heightCm: c.heightCm,
      board: c.board,
      lock: c.lock,
      inService: c.inService,
      status,
      door: state.door ?? 'unknown',
      item: kit.ctx.config.serial.itemSensors ? state.item : null,
      parcelBarcode: parcel?.barcode ?? null,
      parcelExpiresAt: parcel?.expiresAt != null ? kit.iso(parcel.expiresAt) : null,
      operation: busy
        ? {
            operationId: busy.id,
            purpose: busy.purpose,
            state: busy.state,
            since: kit.iso(busy.requestedAt),
            openedAt: busy.openedAt === null ? null : kit.iso(busy.openedAt),
            parcelBarcode: opParcel?.barcode ?? null,
          }
        : null,
    };
  }

  overview() {
    const { kit } = this;
    const health = kit.ctx.doors.health();
    const boards = kit.ctx.doors.boards().map((b) => ({
      board: b.board,
      online: b.online,
      lockBits: b.raw ? hex(b.raw.locks) : '',
      irBits: b.raw ? hex(b.raw.ir) : '',
      framesSent: health.framesSent,
      framesBad: health.framesBad,
      timeouts: health.timeouts,
    }));
    return {
      compartments: kit.repos.compartments.all().map((c) => this.view(c)),
      boards,
      lockBitMeansClosed: kit.ctx.config.serial.lockBitMeansClosed,
      alarms: kit.repos.alarms
        .unacknowledged()
        .map((a) => ({ id: a.id, at: kit.iso(a.at), kind: a.kind, compartmentId: a.compartmentId })),
    };
  }

  /** Acknowledges alarms (all when `ids` is omitted), with the technician in the audit log. */
  acknowledgeAlarms(session: StaffSession, ids: number[] | undefined): { acknowledged: number } {
    const { kit } = this;
    const actor = actorOf(session);
    return kit.tx(() => {
      const done = kit.repos.alarms.acknowledge(ids, kit.now(), actor);
      kit.audit(actor, 'maintenance.alarms_acknowledged', { ids: done });
      return { acknowledged: done.length };
    });
  }

  /** "Resolve" an operation that never ends (see services/resolve.ts). */
  async resolveOperation(session: StaffSession, compartmentId: string, reason: string) {
    const { kit } = this;
    const r = await resolveOperation(kit, this.doors, compartmentId, actorOf(session), reason);
    return { operation: kit.opView(r.op), resolution: r.resolution, door: r.door, compartment: this.view(kit.repos.compartments.get(compartmentId)!) };
  }

  async openDoor(session: StaffSession, compartmentId: string, reason: string): Promise<{ operationId: string }> {
    const { kit } = this;
    const c = kit.repos.compartments.get(compartmentId);
    if (!c || !c.inLayout) throw new KioskError('UNKNOWN_COMPARTMENT', 'no such compartment');
    const actor = actorOf(session);
    const op = this.doors.journal({ purpose: 'maintenance', compartmentId, parcelId: null, actor, reason, sessionId: session.sessionId }, (row) => {
      kit.audit(actor, 'maintenance.open_door', { compartmentId, reason, operationId: row.id });
      kit.queue('maintenance.door_opened', { ...badgeOf(actor), compartmentId, reason });
    });
    await this.doors.send(op);
    return { operationId: op.id };
  }

  setService(session: StaffSession, compartmentId: string, inService: boolean, reason: string): CompartmentView {
    const { kit } = this;
    const c = kit.repos.compartments.get(compartmentId);
    if (!c || !c.inLayout) throw new KioskError('UNKNOWN_COMPARTMENT', 'no such compartment');
    const actor = actorOf(session);
    kit.tx(() => {
      if (!inService) return takeOutOfService(kit, compartmentId, reason, actor);
      kit.repos.compartments.setService(compartmentId, true, null);
      kit.audit(actor, 'compartment.in_service', { compartmentId, reason });
      kit.queue('compartment.in_service', { ...badgeOf(actor), compartmentId });
    });
    return this.view(kit.repos.compartments.get(compartmentId)!);
  }

  async selfTest(session: StaffSession): Promise<{ boards: Array<{ board: number; ok: boolean; detail: string }> }> {
    const { kit } = this;
    const ids = [...new Set(kit.repos.compartments.all().map((c) => c.board))].sort((a, b) => a - b);
    const boards: Array<{ board: number; ok: boolean; detail: string }> = [];
    for (const board of ids) {
      const started = Date.now();
      try {
        const s = await kit.ctx.doors.readBoard(board);
        boards.push({ board, ok: s.online, detail: s.online ? `answered in ${Date.now() - started} ms` : 'no answer' });
      } catch (err) {
        boards.push({ board, ok: false, detail: (err as Error).message.slice(0, 120) });
      }
    }
    kit.tx(() => kit.audit(actorOf(session), 'maintenance.self_test', { boards: boards.map((b) => `${b.board}:${b.ok ? 'ok' : 'fail'}`).join(',') }));
    return { boards };
  }

  /**
   * The newest `limit` rows and the chain check. The session's first viewing is recorded first and the chain verified
   * after it, so the check covers every row returned (it used to verify, then append, and say "7 intact" above 8 rows).
   */
  audit(session: StaffSession, limit: number) {
    const { kit } = this;
    if (!this.auditViewed.has(session)) {
      kit.tx(() => kit.audit(actorOf(session), 'maintenance.audit_viewed', { limit }));
      this.auditViewed.add(session);
    }
    // From the seal the sweep's timer keeps at the head: reads only what was appended since (ADR flat-history).
    const { ok, checked, brokenAt } = kit.repos.audit.verify({ now: kit.now() });
    const chain = { ok, checked, brokenAt };
    const entries = kit.repos.audit.recent(limit).map((e) => ({ id: e.id, at: kit.iso(e.at), actor: e.actor, action: e.action, detail: e.detail, ...lifted(e.detail) }));
    return { entries, chain };
  }

  /** Sync state; `force` runs a sync first ("Sync now", audited), otherwise it only reads (the Sync tab opening). */
  async sync(session: StaffSession, force = true) {
    const { kit } = this;
    if (!force) return kit.ctx.sync.status();
    kit.tx(() => kit.audit(actorOf(session), 'maintenance.force_sync', {}));
    try {
      await kit.ctx.sync.syncNow();
    } catch (err) {
      kit.log.warn('forced sync failed', { error: (err as Error).message });
    }
    return kit.ctx.sync.status();
  }
}
