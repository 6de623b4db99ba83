import type { Handlers } from './dispatch';
import { kioskHandlers } from './kiosk-handlers';

/** Every implemented call of the API table. Calls not (yet) here answer NOT_AVAILABLE. */
export const handlers: Partial<Handlers> = {
  ...kioskHandlers,
};
