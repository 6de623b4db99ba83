import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { BoardSimulator } from './board-sim';

/**
 * The demo's simulated bank keeps its physical state (which compartments hold an item) across kiosk restarts, as a
 * real bank of steel does when the PC reboots. Without it every restart of `npm start` emptied the simulated
 * compartments, and the start-up comparison of item sensors with the store (ADR 0009, door truth) rightly flagged
 * every deposited parcel "not sensed". Only the in-process simulator uses this; real boards are read.
 *
 * File: `<dataDir>/simulated-bank.json` = `{ "items": ["A01", …] }`. A missing, unreadable or malformed file means
 * an empty bank (and is overwritten on the next change); ids not in the layout are ignored.
 */
const Saved = z.object({ items: z.array(z.string().max(16)).max(1000) });

export function restoreSimulatedBank(sim: BoardSimulator, file: string, ids: readonly string[]): () => void {
  const known = new Set(ids);
  try {
    const saved = Saved.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (saved.success) for (const id of saved.data.items) if (known.has(id)) sim.setItem(id, true);
  } catch {
    // no file yet, or unreadable: an empty bank
  }
  let last = snapshot(sim, ids);
  // Every frame the kiosk sends (it polls several times a second) is a chance to notice a change; write only then.
  return sim.observe(() => {
    const now = snapshot(sim, ids);
    if (now === last) return;
    last = now;
    try {
      const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
      fs.writeFileSync(tmp, JSON.stringify({ items: JSON.parse(now) as string[] }), { mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch {
      // a full or read-only disk: the demo bank simply forgets, the kiosk goes on
    }
  });
}

function snapshot(sim: BoardSimulator, ids: readonly string[]): string {
  return JSON.stringify(ids.filter((id) => sim.compartment(id).item));
}
