import type { Handlers } from './dispatch';
import { kioskHandlers } from './kiosk-handlers';
import { customerHandlers } from './customer-handlers';
import { sendHandlers } from './send-handlers';
import { staffHandlers } from './staff-handlers';

/**
 * Every call of the API table, one handler each. Typed as the full `Handlers` map, so a call added to the table
 * without a handler fails the typecheck instead of answering NOT_AVAILABLE at the door.
 */
export const handlers: Handlers = {
  ...kioskHandlers,
  ...customerHandlers,
  ...sendHandlers,
  ...staffHandlers,
};
