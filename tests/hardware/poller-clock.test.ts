import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDoorController } from '../../src-main/hardware/index';
import { FAST, demoLayout, quietLog, recorder, waitFor } from './helpers';

const DAY = 86_400_000;
afterEach(() => vi.restoreAllMocks());

/**
 * Issue 9 §4: the board poll cadence is a duration, so it runs on the monotonic clock. On the wall clock a step back
 * of a day left every board "not due" for a day: nobody would see a door opened by hand, or one left open.
 */
describe('polling across a wall-clock jump', () => {
  it('clock set back one day: the boards are still read, and a door opened by hand is seen', async () => {
    const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout: demoLayout(), timing: FAST, log: quietLog });
    const rec = recorder(doors);
    try {
      // Polling at rest: every board has been read and given its next time (a few frames per board).
      const frames = doors.health().framesReceived ?? 0;
      await waitFor(() => (doors.health().framesReceived ?? 0) >= frames + 6, 3000, 'the poller at its resting cadence');
      const realNow = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() - DAY);
      simulator!.openDoor('A05');
      await waitFor(() => doors.compartment('A05').door === 'open', 3000, 'the poll to see A05 open');
      expect(rec.of('forced-open', 'A05').length + rec.of('opened', 'A05').length).toBeGreaterThan(0);
    } finally {
      await doors.close();
    }
  });
});
