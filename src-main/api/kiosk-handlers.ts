import type { CallOutput } from '../../src-shared/api';
import { KioskError } from '../../src-shared/errors';
import type { KioskContext } from '../context';
import { storeHealth } from '../store/store-health';
import type { Handlers } from './dispatch';

export function hardwareStatus(ctx: KioskContext): CallOutput<'kioskInfo'>['hardware'] {
  const h = ctx.doors.health();
  const boardsOnline = h.boards.filter((b) => b.online).length;
  const boardsTotal = h.boards.length;
  const status = h.port !== 'open' || boardsOnline === 0 ? 'offline' : boardsOnline < boardsTotal ? 'degraded' : 'online';
  const { family, transport } = ctx.config.board;
  const protocol = transport === 'simulator' ? 'simulator' : family === 'cu12' ? 'kerong-cu12' : 'kerong-cu16';
  return { status, boardsOnline, boardsTotal, protocol, family };
}

export const kioskHandlers: Pick<Handlers, 'kioskInfo' | 'layoutGet' | 'operationsInProgress' | 'simDoor'> = {
  kioskInfo(_input, ctx) {
    const s = ctx.sync.status();
    return {
      kioskId: ctx.kioskId(),
      version: ctx.version,
      locale: ctx.config.locale,
      locales: ['en', 'es', 'pl', 'de'],
      mode: ctx.mode,
      demo: ctx.simulator !== null,
      hardware: hardwareStatus(ctx),
      connectivity: { status: s.status, lastSyncAt: s.lastSyncAt, outboxDepth: s.outboxDepth },
      freeBySize: ctx.services.freeBySize(),
      store: storeHealth(ctx.db).status,
    };
  },

  layoutGet(_input, ctx) {
    const { name, columns, rows, compartments } = ctx.layout;
    return { name, columns, rows, compartments: compartments.map(({ id, size, column, row, heightCm }) => ({ id, size, column, row, heightCm })) };
  },

  /** The journal's unfinished rows, cut down to what a resuming screen shows (no ids, codes or tokens). */
  operationsInProgress(_input, ctx) {
    const operations = ctx.services.repos.doorOps.unfinished().map((op) => ({ purpose: op.purpose, compartmentId: op.compartmentId, state: op.state }));
    return { operations };
  },

  /** Only with the simulated board: lets a demo user or a QA test act as the person at the door. */
  simDoor({ compartmentId, action }, ctx) {
    const sim = ctx.simulator;
    if (!sim) throw new KioskError('NOT_AVAILABLE', 'simDoor works only with the simulated board');
    if (!ctx.layout.compartments.some((c) => c.id === compartmentId)) throw new KioskError('UNKNOWN_COMPARTMENT', `no compartment ${compartmentId}`);
    switch (action) {
      case 'close':
        sim.closeDoor(compartmentId);
        break;
      case 'open':
        sim.openDoor(compartmentId);
        break;
      case 'put-item':
        sim.setItem(compartmentId, true);
        break;
      case 'remove-item':
        sim.setItem(compartmentId, false);
        break;
      case 'jam':
        sim.setJammed(compartmentId, true);
        break;
      case 'unjam':
        sim.setJammed(compartmentId, false);
        break;
      case 'cut-bus-on-unlock':
        sim.cutBusOnNextUnlock();
        break;
      case 'mend-bus':
        sim.cutBus(false);
        break;
    }
    const st = sim.compartment(compartmentId);
    return { compartmentId, door: st.open ? 'open' : 'closed', item: st.item };
  },
};
