import { describe, expect, it } from 'vitest';
import { localTime } from '../../src-renderer/ui/local-time';

describe('localTime: one helper for every time a person reads on the technician screens', () => {
  const now = new Date(2026, 10, 29, 17, 1, 30).getTime(); // local 29 Nov, 17:01:30
  const earlier = new Date(2026, 10, 29, 17, 1, 23).getTime();
  const yesterday = new Date(2026, 10, 28, 9, 5, 0).getTime();

  it('today: the local clock time in the kiosk language, never the UTC ISO text', () => {
    expect(localTime('en', new Date(earlier).toISOString(), now)).toBe('05:01:23\u00a0PM');
    expect(localTime('de', earlier, now)).toBe('17:01:23');
    expect(localTime('pl', earlier, now)).toBe('17:01:23');
  });

  it('another day: day and month too, so a stored alarm or an old audit row is not mistaken for today', () => {
    expect(localTime('en', yesterday, now)).toMatch(/^11\/28,\u00a009:05\u00a0AM$/);
    expect(localTime('de', yesterday, now)).toMatch(/^28\.11\.,\u00a009:05$/);
  });

  it('one unit on screen (no break inside), and an unreadable value is shown as given', () => {
    expect(localTime('en', earlier, now)).not.toMatch(/ /);
    expect(localTime('en', 'not a time', now)).toBe('not a time');
  });
});
