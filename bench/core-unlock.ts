/**
 * Code accepted → unlock frame on the wire, with the door journal's durable write (WAL, synchronous=FULL) included.
 *   npx tsx bench/core-unlock.ts
 * The kiosk core runs against the real Kerong driver talking to the board simulator over the in-process line; the
 * clock stops when the simulator has parsed the unlock frame's last byte. That line moves bytes at memory speed, so
 * the wire time of the 5-byte frame at 19200 baud 8N1 (2.6 ms) is printed beside the figures, not contained in them.
 * Prints figures; asserts nothing.
 */
import fs from 'node:fs';
import { codeDigest } from '../src-common/code-digest';
import { createDoorController, loadLayout } from '../src-main/hardware/index';
import { CMD } from '../src-main/hardware/kerong/frame';
import { benchCore } from './_core-context';

const ROUNDS = 150;
const WIRE_MS = (5 * 10 * 1000) / 19200;
const secret = Buffer.alloc(32, 5);

async function main() {
  const layout = loadLayout('demo-24');
  const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: { fastPollMs: 40, slowPollMs: 1000, jamMs: 60_000 } });
  const sim = simulator!;
  const { services, db, clock, dir } = benchCore({ name: 'unlock', secret, seed: 11, doors, simulator: sim, layout });
  await services.start();

  // One deposited parcel per compartment, item inside: a pickup that closes with the item still there leaves the
  // parcel deposited, so its code can be used again next round.
  const codes: Array<{ code: string; id: string }> = [];
  const now = clock.now();
  layout.compartments.forEach((c, i) => {
    const code = String(300_000 + i * 37);
    services.repos.parcels.upsertExpected({ id: `p_unlock${String(i).padStart(6, '0')}`, barcode: `UB-${i}`, size: c.size, codeDigest: codeDigest(secret, code), accessible: false, pickupWindowDays: 3 }, now);
    services.repos.parcels.patch(`p_unlock${String(i).padStart(6, '0')}`, { compartment_id: c.id }, now);
    services.repos.parcels.transition(`p_unlock${String(i).padStart(6, '0')}`, 'deposited', { deposited_at: now, expires_at: now + 86_400_000 }, now);
    sim.putItem(c.id);
    codes.push({ code, id: c.id });
  });

  // When the core hands the frame to the driver (after the journal commit).
  let handedOver = 0n;
  const unlock = doors.unlock.bind(doors);
  doors.unlock = (id: string) => {
    handedOver = process.hrtime.bigint();
    return unlock(id);
  };
  let validated = 0n;
  const validate = services.pickup.validate.bind(services.pickup);
  services.pickup.validate = async (entry) => {
    const r = await validate(entry);
    validated = process.hrtime.bigint();
    return r;
  };
  let arrived: ((t: bigint) => void) | null = null;
  sim.observe((frame, at) => {
    if (frame.kind === 'command' && frame.cmd === CMD.unlock) arrived?.(at);
  });

  const total: number[] = [];
  const accept: number[] = [];
  const check: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { code, id } = codes[i % codes.length]!;
    const onWire = new Promise<bigint>((r) => (arrived = r));
    const t0 = process.hrtime.bigint();
    const started = services.pickup.submitCode({ code });
    const wire = await onWire;
    const r = await started;
    const t1 = process.hrtime.bigint();
    void t1;
    total.push(Number(wire - t0) / 1e6);
    accept.push(Number(handedOver - t0) / 1e6);
    check.push(Number(validated - t0) / 1e6);
    // Let the door read open, then close it with the parcel still inside (outcome item_left).
    for (let w = 0; services.repos.doorOps.get(r.operationId)!.state !== 'opened'; w++) await new Promise((res) => setTimeout(res, 1));
    sim.closeDoor(id);
    for (let w = 0; services.repos.doorOps.get(r.operationId)!.state !== 'closed'; w++) await new Promise((res) => setTimeout(res, 1));
  }

  // The journal write alone (insert + audit in one IMMEDIATE transaction, fsync'd), for the breakdown.
  const journal: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const s = performance.now();
    db.transaction(() => {
      db.prepare("INSERT INTO door_operations (id, purpose, compartment_id, actor, state, outcome, requested_at, updated_at) VALUES (?, 'maintenance', 'A01', 'bench', 'failed', 'cancelled', 0, 0)").run(`bench${i}xxxx`);
      services.repos.audit.append(clock.now(), 'bench', 'bench.journal', {});
    }).immediate();
    journal.push(performance.now() - s);
  }

  const show = (label: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
    console.log(`${label.padEnd(52)} p50 ${p(0.5).toFixed(3).padStart(7)} ms  p99 ${p(0.99).toFixed(3).padStart(7)} ms  max ${p(1).toFixed(3).padStart(7)} ms`);
  };
  console.log(`rounds: ${ROUNDS}, SQLite WAL + synchronous=FULL on ${dir}`);
  show('code submitted → unlock frame parsed by the board', total);
  show('  code submitted → code validated', check);
  show('  code validated → journal committed → frame to driver', accept.map((a, i) => a - check[i]!));
  const driver = total.map((t, i) => t - accept[i]!);
  show('  driver queue + line → board parsed the frame', driver);
  show('durable journal write alone (insert + audit, fsync)', journal);
  console.log(`${'wire time of the unlock frame at 19200 8N1'.padEnd(52)} ${WIRE_MS.toFixed(3)} ms (added on a real line)`);
  await services.stop();
  sim.detach();
  await doors.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
