import { describe, expect, it } from 'vitest';
import { useView } from '../../src-renderer/state/view-store';
import type { KioskInfo } from '../../src-shared/api/kiosk';

describe('view store', () => {
  it('keeps door alarms across visits until a technician acknowledges them, newest first, bounded', () => {
    const v = useView.getState();
    v.addAlarm({ kind: 'door_left_open', compartmentId: 'A07' }, 1);
    v.addAlarm({ kind: 'forced_open', compartmentId: 'A02' }, 2);
    useView.getState().resetForNextPerson();
    expect(useView.getState().alarms.map((a) => a.compartmentId)).toEqual(['A02', 'A07']);
    for (let i = 0; i < 50; i++) useView.getState().addAlarm({ kind: 'jammed', compartmentId: 'A01' }, 10 + i);
    expect(useView.getState().alarms).toHaveLength(20);
    useView.getState().acknowledgeAlarms();
    expect(useView.getState().alarms).toEqual([]);
  });

  it('a visit ending restores language and display options, not the kiosk status', () => {
    const v = useView.getState();
    v.setLocale('pl');
    v.toggleLargeText();
    v.toggleHighContrast();
    v.toggleLowReach();
    useView.getState().resetForNextPerson();
    const s = useView.getState();
    expect([s.locale, s.textSize, s.highContrast, s.lowReach]).toEqual([s.defaultLocale, 'normal', false, false]);
  });
});

describe('view store: pushed availability', () => {
  it('replaces the free counts of the kiosk info it has, and does nothing before the first read', () => {
    useView.setState({ info: null });
    useView.getState().setFreeBySize({ S: 1, M: 0, L: 0, XL: 0 });
    expect(useView.getState().info).toBeNull();
    const info: KioskInfo = {
      kioskId: 'K-TEST0001', version: 't', locale: 'en', locales: ['en'], mode: 'host', demo: true,
      hardware: { status: 'online', boardsOnline: 2, boardsTotal: 2, protocol: 'simulator' },
      connectivity: { status: 'online', lastSyncAt: null, outboxDepth: 0 },
      freeBySize: { S: 8, M: 8, L: 6, XL: 2 },
    };
    useView.getState().setInfo(info);
    useView.getState().setFreeBySize({ S: 7, M: 8, L: 6, XL: 2 });
    expect(useView.getState().info).toEqual({ ...info, freeBySize: { S: 7, M: 8, L: 6, XL: 2 } });
  });
});
