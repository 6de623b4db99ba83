import type { KioskContext } from './context';
import { hardwareStatus } from './api/kiosk-handlers';

/**
 * Turns the door controller's raw events into the renderer's pushed events (door state, hardware banner).
 * The services subscribe to the controller themselves for their own logic; this is only what the screen shows.
 */
export function bridgeDoorEvents(ctx: KioskContext): () => void {
  return ctx.doors.on((e) => {
    switch (e.type) {
      case 'opened':
      case 'closed':
      case 'item-present':
      case 'item-absent': {
        // The driver emits while it is still storing the read (door first, then item): look one tick later so the
        // pushed state is the whole read, not half of it.
        setImmediate(() => {
          const s = ctx.doors.compartment(e.compartmentId);
          if (s.door === null) return; // board went offline meanwhile: say nothing rather than guess
          ctx.emit('door', { compartmentId: e.compartmentId, door: s.door, item: s.item });
        });
        break;
      }
      case 'forced-open':
        ctx.emit('alarm', { kind: 'forced_open', compartmentId: e.compartmentId });
        break;
      case 'jammed':
        // A blind verdict (no read at all) is not a jam anyone saw: the offline banner says what is known.
        if (!e.blind) ctx.emit('alarm', { kind: 'jammed', compartmentId: e.compartmentId });
        break;
      case 'board-offline':
      case 'board-online':
      case 'port-down':
      case 'port-up':
        ctx.emit('hardware', hardwareStatus(ctx));
        break;
    }
  });
}
