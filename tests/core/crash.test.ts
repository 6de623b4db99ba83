import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertNoSharedCompartments, badge, makeKiosk, tempDir, waitOp, type TestKiosk } from './harness';

type Flow = 'pickup' | 'dropoff' | 'collection' | 'maintenance';
type Step = 'requested' | 'unlocked' | 'opened' | 'closed';
interface Scenario {
  name: string;
  flow: Flow;
  at: Step;
  /** What the person did while the kiosk was dead: the world the restart finds. */
  world: { door: 'open' | 'closed'; item: boolean };
  expect: { parcel: string; op: string; outcome?: string; flagged?: boolean; thenClose?: { item: boolean; parcel: string } };
}

const SCENARIOS: Scenario[] = [
  { name: 'pickup killed before the frame went out', flow: 'pickup', at: 'requested', world: { door: 'closed', item: true }, expect: { parcel: 'deposited', op: 'failed', outcome: 'cancelled' } },
  { name: 'pickup killed after unlock; customer took it and closed', flow: 'pickup', at: 'unlocked', world: { door: 'closed', item: false }, expect: { parcel: 'picked_up', op: 'closed', outcome: 'completed' } },
  { name: 'pickup killed after unlock; door still open', flow: 'pickup', at: 'unlocked', world: { door: 'open', item: true }, expect: { parcel: 'deposited', op: 'opened', thenClose: { item: false, parcel: 'picked_up' } } },
  { name: 'pickup killed when opened; closed with the parcel inside', flow: 'pickup', at: 'opened', world: { door: 'closed', item: true }, expect: { parcel: 'deposited', op: 'closed', outcome: 'item_left' } },
  { name: 'pickup killed right after closing', flow: 'pickup', at: 'closed', world: { door: 'closed', item: false }, expect: { parcel: 'picked_up', op: 'closed', outcome: 'completed' } },
  { name: 'drop-off killed before the frame went out', flow: 'dropoff', at: 'requested', world: { door: 'closed', item: false }, expect: { parcel: 'expected', op: 'failed', outcome: 'cancelled' } },
  { name: 'drop-off killed after unlock; parcel put in and closed', flow: 'dropoff', at: 'unlocked', world: { door: 'closed', item: true }, expect: { parcel: 'deposited', op: 'closed', outcome: 'completed' } },
  { name: 'drop-off killed when opened; door still open, empty', flow: 'dropoff', at: 'opened', world: { door: 'open', item: false }, expect: { parcel: 'expected', op: 'opened', thenClose: { item: true, parcel: 'deposited' } } },
  { name: 'drop-off killed when opened; closed empty', flow: 'dropoff', at: 'opened', world: { door: 'closed', item: false }, expect: { parcel: 'expected', op: 'closed', outcome: 'empty_on_close' } },
  { name: 'drop-off killed right after closing', flow: 'dropoff', at: 'closed', world: { door: 'closed', item: true }, expect: { parcel: 'deposited', op: 'closed', outcome: 'completed' } },
  { name: 'collection killed before the frame went out', flow: 'collection', at: 'requested', world: { door: 'closed', item: true }, expect: { parcel: 'expired', op: 'failed', outcome: 'cancelled' } },
  { name: 'collection killed after unlock; driver took it and closed', flow: 'collection', at: 'unlocked', world: { door: 'closed', item: false }, expect: { parcel: 'collected', op: 'closed', outcome: 'completed' } },
  { name: 'collection killed after unlock; door still open', flow: 'collection', at: 'unlocked', world: { door: 'open', item: true }, expect: { parcel: 'expired', op: 'opened', thenClose: { item: false, parcel: 'collected' } } },
  { name: 'collection killed when opened; closed with the parcel inside', flow: 'collection', at: 'opened', world: { door: 'closed', item: true }, expect: { parcel: 'expired', op: 'closed', outcome: 'item_left' } },
  { name: 'collection killed right after closing', flow: 'collection', at: 'closed', world: { door: 'closed', item: false }, expect: { parcel: 'collected', op: 'closed', outcome: 'completed' } },
  { name: 'maintenance killed before the frame went out', flow: 'maintenance', at: 'requested', world: { door: 'closed', item: true }, expect: { parcel: 'deposited', op: 'failed', outcome: 'cancelled' } },
  { name: 'maintenance killed after unlock; door still open', flow: 'maintenance', at: 'unlocked', world: { door: 'open', item: true }, expect: { parcel: 'deposited', op: 'opened', thenClose: { item: true, parcel: 'deposited' } } },
  { name: 'maintenance killed when opened; closed, parcel still in', flow: 'maintenance', at: 'opened', world: { door: 'closed', item: true }, expect: { parcel: 'deposited', op: 'closed', outcome: 'completed' } },
  { name: 'maintenance killed when opened; closed, parcel gone', flow: 'maintenance', at: 'opened', world: { door: 'closed', item: false }, expect: { parcel: 'deposited', op: 'closed', outcome: 'completed', flagged: true } },
];

const TSX = path.resolve('node_modules/.bin/tsx');

function runChild(dir: string, s: Scenario): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, ['tests/core/crash-child.ts'], {
      env: { ...process.env, CRASH_DIR: dir, CRASH_FLOW: s.flow, CRASH_AT: s.at, KIOSK_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

const dirs = new Map<string, string>();
const exits = new Map<string, Awaited<ReturnType<typeof runChild>>>();

/** Children run a few at a time: all at once, CPU starvation made door reads time out in the child. */
const PARALLEL = 6;

beforeAll(async () => {
  const queue = [...SCENARIOS];
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const dir = tempDir('kiosk-crash-');
      dirs.set(s.name, dir);
      exits.set(s.name, await runChild(dir, s));
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}, 90_000);

let k: TestKiosk | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
});

const PARCEL = { pickup: 'p_crash00001', dropoff: 'p_crash00002', collection: 'p_crash00003', maintenance: 'p_crash00004' } as const;
const CODE = { pickup: '246802', dropoff: '135791', collection: '314159', maintenance: '271828' } as const;

describe('crash at every journal step (SIGKILL), then restart', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const exit = exits.get(s.name)!;
      // tsx runs the script in a child node: its SIGKILL shows as 137 from the wrapper.
      expect(exit.signal === 'SIGKILL' || exit.code === 137, `exit ${exit.code} ${exit.signal} ${exit.stderr}`).toBe(true);
      let compartmentId = 'A02';
      k = await makeKiosk({
        dir: dirs.get(s.name)!,
        seed: 2,
        beforeStart(sim, ctx) {
          const op = ctx.db.prepare('SELECT compartment_id AS c FROM door_operations ORDER BY requested_at DESC, rowid DESC LIMIT 1').get() as { c: string };
          compartmentId = op.c;
          if (s.world.door === 'open') sim.openDoor(compartmentId);
          if (s.world.item) sim.putItem(compartmentId);
        },
      });
      const { repos } = k.services;
      const parcel = () => repos.parcels.get(PARCEL[s.flow])!;
      const op = () => k!.ctx.db.prepare('SELECT id FROM door_operations ORDER BY requested_at DESC, rowid DESC LIMIT 1').get() as { id: string };
      // No parcel lost, each in the state the physical world shows.
      expect(parcel()).toBeTruthy();
      expect(parcel().status).toBe(s.expect.parcel);
      const journal = repos.doorOps.get(op().id)!;
      expect(journal.state).toBe(s.expect.op);
      if (s.expect.outcome) expect(journal.outcome).toBe(s.expect.outcome);
      expect(parcel().flagged !== null).toBe(s.expect.flagged ?? false);
      if (s.expect.thenClose) {
        if (s.expect.thenClose.item) k.sim.putItem(compartmentId);
        else k.sim.removeItem(compartmentId);
        k.sim.closeDoor(compartmentId);
        await waitOp(k, journal.id, ['closed']);
        expect(parcel().status).toBe(s.expect.thenClose.parcel);
      }
      assertNoSharedCompartments(k);
      expect(repos.audit.verify().ok).toBe(true);
      expect(repos.doorOps.unfinished()).toHaveLength(0);
      const p = parcel();
      // Physical world and store agree.
      // (A flagged parcel is the exception a technician checks: the store said so instead of guessing.)
      if ((p.status === 'deposited' || p.status === 'expired') && !p.flagged) expect(k.sim.door(p.compartmentId!).item).toBe(true);
      if (p.status === 'picked_up' || p.status === 'collected') expect(k.sim.door(compartmentId).item).toBe(false);
      if (p.status === 'collected') expect(k.services.repos.compartments.free().map((c) => c.id)).toContain(compartmentId);
      if (p.status === 'expected') expect(p.compartmentId).toBeNull();
      // Codes in the right state: a deposited parcel's code opens its door; a picked-up one's no longer does.
      k.clock.advance(k.ctx.config.graceSeconds * 1000 + 1);
      k.services.sweep();
      const r = await k.call('pickupSubmitCode', { code: CODE[s.flow] });
      if (p.status === 'deposited') expect(r.value?.where.compartmentId).toBe(p.compartmentId);
      else if (p.status === 'expired') expect(r.error?.code).toBe('CODE_EXPIRED');
      else expect(r.error?.code).toBe('CODE_INVALID');
      // A parcel still expected can be delivered again.
      if (p.status === 'expected') {
        const sess = await k.call('authBadge', { badge: badge('driver', { now: k.clock.now() }) });
        expect((await k.call('dropoffScan', { sessionId: sess.value.sessionId, barcode: 'CR-0002' })).ok).toBe(true);
      }
    });
  }
});
