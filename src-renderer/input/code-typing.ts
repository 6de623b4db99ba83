import { getKiosk } from '../bridge';

/** At most one hint a second: a hold lasts 3 s (CODE_TYPING_QUIET_MS), so a person typing keeps it without a flood. */
const EVERY_MS = 1_000;
let last = -Infinity;

/**
 * A digit of a pickup or drop-off code was typed: tell main, so the board's routine reads pause and the unlock this
 * code leads to finds the bus idle (ADR 0026 rule 5). Fire and forget: the answer changes nothing on screen, and a
 * refused or lost hint only means the unlock may wait for one exchange, as it did before.
 */
export function codeTyped(): void {
  const now = performance.now();
  if (now - last < EVERY_MS) return;
  last = now;
  getKiosk()
    .codeTyping({})
    .catch(() => undefined);
}
