import type { Locale } from '../../src-shared/api/common';

const clocks = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: Locale, dated: boolean): Intl.DateTimeFormat {
  const key = `${locale}/${dated ? 'd' : 't'}`;
  let f = clocks.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      locale,
      dated ? { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit', second: '2-digit' },
    );
    clocks.set(key, f);
  }
  return f;
}

/**
 * A moment as a person at this kiosk reads it: local time in the kiosk's language (`05:01:23 PM` in English,
 * `17:01:23` in German), with the day and month added when it is not today (`22/11, 05:01 PM`), because an audit
 * row or a stored alarm may be from another day. The API speaks UTC ISO strings (or epoch ms); nobody at the screen
 * should have to convert them. Spaces come back non-breaking. `at`: ISO string or epoch milliseconds; `now`: epoch milliseconds (the day to compare
 * with). An unparseable `at` comes back as given, so a bad value is visible rather than shown as "Invalid Date".
 */
export function localTime(locale: Locale, at: string | number, now: number = Date.now()): string {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) return String(at);
  const sameDay = new Date(ms).toDateString() === new Date(now).toDateString();
  // One unit to the eye: never split "12:01:49" from "AM" (or the date from the time) at a line end.
  return formatter(locale, !sameDay).format(ms).replace(/\s/g, '\u00a0');
}
