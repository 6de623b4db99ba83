import type { KioskContext } from '../context';
import { createRepos, type Repos } from '../store/index';
import { ClockWatch, type ClockJump } from './clock-watch';
import { CollectionService } from './collection';
import { DoorEngine } from './doors';
import { DiskCare } from './disk-care';
import { DropoffService } from './dropoff';
import { auditArchiveOf, auditCare, type AuditCare } from './audit-care';
import { sweepExpired } from './expiry';
import { createKit, type Kit } from './kit';
import { MaintenanceService } from './maintenance';
import { openNextInGroup } from './group-pickup';
import { LostCodeService } from './lost-code';
import { PickupService, type PickupStarted } from './pickup';
import { RemoteCommandService } from './remote-commands';
import { compareSensors, reconcile, type RecoveryReport, type SensorMismatch } from './recovery';
import { SessionService } from './sessions';
import { SendService } from './send';

/** How often the expiry sweep runs while the kiosk is up (it also runs at start-up). */
export const SWEEP_INTERVAL_MS = 60_000;

/**
 * The use cases (pickup, drop-off, collection, maintenance, expiry sweep, crash recovery), built once per kiosk.
 * core.ts calls `createServices` after the store and doors are up, then `start()`; `stop()` on shutdown.
 */
export interface Services {
  /** Start-up: sync compartments from the layout, reconcile unfinished door operations, sweep expiries, start the schedules. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Free compartments per size, derived from the store (attract screen, heartbeat). */
  freeBySize(): Record<'S' | 'M' | 'L' | 'XL', number>;
  /** The repositories over ctx.db (sync reads the outbox, writes the manifest and enrollment through these). */
  repos: Repos;
  pickup: PickupService;
  /** Senders' drop-offs (ADR drop-offs): the same code space and keypad guard as pickups. */
  send: SendService;
  /** "All my parcels in one visit": the same recipient's next door after `operationId` (group-pickup.ts). */
  openNextInGroup(operationId: string, token: string): Promise<PickupStarted>;
  /** "I lost my code" (lost-code.ts). */
  lostCode: LostCodeService;
  dropoff: DropoffService;
  collection: CollectionService;
  maintenance: MaintenanceService;
  sessions: SessionService;
  /** The fleet's signed remote commands (ADR remote-commands): sync hands them over, this runs them. */
  remote: RemoteCommandService;
  /** Runs the expiry sweep now (idempotent). */
  sweep(): { expired: number };
  /** Checks the audit chain from its seal and archives old entries when due, now (the sweep's timer does it too). */
  auditCare(): AuditCare;
  /** The disk: measured for the heartbeat, the reserve watched, retention and WAL checkpoints (the sweep's timer ticks it). */
  disk: DiskCare;
  /** Runs the door-journal reconciliation now (start-up does it; so does a board coming back). */
  reconcile(): Promise<RecoveryReport>;
  /**
   * The item sensors against the store now (recovery.compareSensors). Sync calls it once the first manifest after an
   * enrollment has placed what the locker holds (ADR return-reenroll).
   */
  checkSensors(): Promise<SensorMismatch[]>;
  /** Raises `door_left_open` for doors open too long now (a timer does it every second); returns how many. */
  checkDoorsLeftOpen(): number;
  /** Compares the wall clock with the monotonic one now (a timer does it every 2 s); the jump it handled, or null. */
  checkClock(): ClockJump | null;
  /** The journal row behind an operation id, as the API shows it; null when unknown. */
  operation(operationId: string): ReturnType<Kit['opView']> | null;
}

export function createServices(ctx: KioskContext): Services {
  const repos = createRepos(ctx.db, { dataDir: ctx.dataDir, random: ctx.random });
  const kit = createKit(ctx, repos);
  const doors = new DoorEngine(kit);
  const clockWatch = new ClockWatch(kit);
  let timer: ReturnType<typeof setInterval> | null = null;
  let reconciling: Promise<RecoveryReport> | null = null;
  let stopped = false;

  const runReconcile = (): Promise<RecoveryReport> => {
    reconciling ??= reconcile(kit, doors).finally(() => {
      reconciling = null;
    });
    return reconciling;
  };

  const sweep = () => {
    try {
      return sweepExpired(kit);
    } catch (err) {
      kit.log.error('expiry sweep failed', { error: (err as Error).message });
      return { expired: 0 };
    }
  };

  const archive = auditArchiveOf(kit);
  const careState = { reportedBreak: null as number | null };
  const disk = new DiskCare(kit);
  const tick = () => {
    sweep();
    auditCare(kit, archive, careState);
    void disk.tick();
  };

  const pickup = new PickupService(kit, doors);
  return {
    repos,
    pickup,
    send: new SendService(kit, doors, pickup.lockout),
    openNextInGroup: (operationId, token) => openNextInGroup(kit, pickup, operationId, token),
    lostCode: new LostCodeService(kit),
    dropoff: new DropoffService(kit, doors),
    collection: new CollectionService(kit, doors),
    maintenance: new MaintenanceService(kit, doors),
    sessions: new SessionService(kit),
    remote: new RemoteCommandService(kit, doors),
    async start() {
      repos.compartments.syncFromLayout(ctx.layout);
      clockWatch.start(); // first: caps reopen windows a clock set back while the kiosk was off left too long
      // On every reconnect (and when a door event could not be recorded): the journal and the item sensors are
      // compared with the board again (recovery.ts). A rejection is the door engine's cue to try again later.
      doors.start(async () => {
        if (!stopped) await runReconcile();
      });
      await runReconcile();
      doors.watch.seed();
      tick();
      timer = setInterval(tick, SWEEP_INTERVAL_MS);
      timer.unref?.();
    },
    async stop() {
      stopped = true;
      clockWatch.stop();
      if (timer) clearInterval(timer);
      timer = null;
      doors.stop();
      await reconciling?.catch(() => {});
    },
    freeBySize: () => repos.compartments.freeBySize(),
    sweep: () => sweepExpired(kit),
    auditCare: () => auditCare(kit, archive, careState),
    disk,
    reconcile: runReconcile,
    checkSensors: () => compareSensors(kit, new Map(), { vanished: doors.vanished }),
    checkDoorsLeftOpen: () => doors.watch.check(),
    checkClock: () => clockWatch.check(),
    operation(operationId) {
      const op = repos.doorOps.get(operationId);
      return op ? kit.opView(op) : null;
    },
  };
}
