import { describe, expect, it } from 'vitest';
import { BoardSimulator } from '../../src-main/hardware/sim/board-sim';
import { runCommand } from '../../src-main/hardware/sim/commands';
import { createDoorController } from '../../src-main/hardware/index';
import { FAST, demoLayout, quietLog, recorder, waitFor } from './helpers';

describe('board-sim command language', () => {
  const layout = demoLayout();
  const ids = layout.compartments.map((c) => c.id);

  it('acts on doors, items and jams', () => {
    const sim = new BoardSimulator({ layout });
    runCommand(sim, 'open a01', ids);
    runCommand(sim, 'item A02 on', ids);
    runCommand(sim, 'jam A03', ids);
    expect(sim.door('A01')).toEqual({ open: true, item: false, jammed: false });
    expect(sim.door('A02').item).toBe(true);
    expect(sim.door('A03').jammed).toBe(true);
    runCommand(sim, 'close A01', ids);
    runCommand(sim, 'item A02 off', ids);
    expect(sim.door('A01').open).toBe(false);
    expect(sim.door('A02').item).toBe(false);
    expect(runCommand(sim, 'state A03', ids)).toMatch(/A03 closed .*JAMMED/);
  });

  it('rejects what it does not know, naming it', () => {
    const sim = new BoardSimulator({ layout });
    expect(() => runCommand(sim, 'open Z99', ids)).toThrow(/Z99/);
    expect(() => runCommand(sim, 'quiet 7', ids)).toThrow(/board 7/);
    expect(runCommand(sim, 'fly A01', ids)).toMatch(/unknown command "fly"/);
  });
});

describe('a cut bus', () => {
  it('the kiosk loses every board and gets them back when mended', async () => {
    const layout = demoLayout();
    const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: FAST, log: quietLog });
    const rec = recorder(doors);
    try {
      runCommand(simulator!, 'unplug', []);
      await waitFor(() => rec.of('board-offline').length === 2, 2000, 'both boards offline');
      expect(doors.health().port).toBe('open'); // the adapter is still there; the bus behind it is dead
      runCommand(simulator!, 'plug', []);
      await waitFor(() => rec.of('board-online').length === 2, 2000, 'both boards back');
    } finally {
      await doors.close();
    }
  });
});
