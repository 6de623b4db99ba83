import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src-main/config';
import { createDoorController } from '../../src-main/hardware/index';
import { KerongDriver } from '../../src-main/hardware/kerong/driver';
import type { ByteLink, Transport } from '../../src-main/hardware/transport';
import { FAST, demoLayout, quietLog, recorder, sleep, waitFor } from './helpers';

/** The factory the kiosk core uses, and the in-process bus the demo runs on. */
const layout = demoLayout();

describe('createDoorController({ protocol: "simulator" })', () => {
  it('returns the real driver over an in-process simulator, with every board already read', async () => {
    const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: FAST, log: quietLog });
    try {
      expect(doors).toBeInstanceOf(KerongDriver);
      expect(simulator).not.toBeNull();
      expect(doors.health()).toMatchObject({ port: 'open', path: 'sim://in-process', boards: [{ board: 0, online: true }, { board: 1, online: true }] });
      expect(layout.compartments.every((c) => doors.compartment(c.id).door === 'closed')).toBe(true);

      const rec = recorder(doors);
      await doors.unlock('A24');
      await waitFor(() => rec.of('opened', 'A24').length === 1, 1000, 'opened');
      simulator!.putItem('A24');
      simulator!.closeDoor('A24');
      await waitFor(() => rec.of('closed', 'A24').length === 1, 1000, 'closed');
      expect(doors.compartment('A24')).toEqual({ compartmentId: 'A24', door: 'closed', item: true });
    } finally {
      await doors.close();
    }
  });

  it('the simulated adapter can be unplugged and plugged back', async () => {
    const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: FAST, log: quietLog });
    const rec = recorder(doors);
    try {
      simulator!.unplug();
      await waitFor(() => rec.of('port-down').length === 1, 1000, 'port-down');
      await expect(doors.unlock('A01')).rejects.toMatchObject({ code: 'HARDWARE_OFFLINE' });
      simulator!.plug();
      await waitFor(() => rec.of('port-up').length === 1, 2000, 'port-up');
      await doors.unlock('A01');
      await waitFor(() => rec.of('opened', 'A01').length === 1, 1000, 'opened');
    } finally {
      await doors.close();
    }
  });

  it('honours the open-bit polarity end to end', async () => {
    const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, lockBitMeansClosed: false, itemSensors: false, timing: FAST, log: quietLog });
    try {
      expect(doors.compartment('A01')).toEqual({ compartmentId: 'A01', door: 'closed', item: null });
      expect(doors.boards()[0]!.raw!.locks).toEqual([0, 0]); // closed doors are clear bits in this wiring
      simulator!.openDoor('A02');
      await waitFor(() => doors.compartment('A02').door === 'open', 1000, 'A02 open');
    } finally {
      await doors.close();
    }
  });
});

describe('createDoorController({ protocol: "kerong-cu16" })', () => {
  it('needs a serial path', async () => {
    await expect(createDoorController({ protocol: 'kerong-cu16', layout })).rejects.toBeInstanceOf(ConfigError);
  });

  it('starts even when the device is missing, and says so in health', async () => {
    const { doors, simulator } = await createDoorController({
      protocol: 'kerong-cu16',
      serialPath: '/dev/does-not-exist-kiosk',
      baud: 19200,
      layout,
      timing: FAST,
      log: quietLog,
      startupWaitMs: 100,
    });
    try {
      expect(simulator).toBeNull();
      expect(doors.health().port).toBe('reconnecting');
      expect(doors.health().lastError).toMatch(/does-not-exist/);
      await expect(doors.unlock('A01')).rejects.toMatchObject({ code: 'HARDWARE_OFFLINE' });
    } finally {
      await doors.close();
    }
  });
});

describe('a dead line that only fails on write (EIO), never closing', () => {
  it('is treated as the port going away and reopened', async () => {
    let opens = 0;
    let failWrites = true;
    const transport: Transport = {
      path: 'test://eio',
      async open() {
        opens++;
        const link: ByteLink = {
          write: async () => {
            if (failWrites) throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
          },
          close: async () => undefined,
        };
        return link;
      },
    };
    const driver = new KerongDriver({ transport, layout, timing: FAST, poll: false, log: quietLog });
    const rec = recorder(driver);
    try {
      await driver.waitForPort();
      await expect(driver.unlock('A01')).rejects.toMatchObject({ code: 'HARDWARE_OFFLINE' });
      expect(rec.of('port-down')).toHaveLength(1);
      expect((rec.of('port-down')[0] as { error: string }).error).toMatch(/EIO/);
      failWrites = false;
      await waitFor(() => rec.of('port-up').length === 2, 1000, 'port-up again');
      expect(opens).toBe(2);
      await driver.unlock('A01');
      expect(driver.health().framesSent).toBe(1);
    } finally {
      await driver.close();
    }
  });
});

describe('close()', () => {
  it('stops polling and timers, and fails later calls by name', async () => {
    const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: FAST, log: quietLog });
    await doors.close();
    const polls = simulator!.received.state;
    await sleep(150);
    expect(simulator!.received.state).toBe(polls);
    await expect(doors.unlock('A01')).rejects.toMatchObject({ code: 'HARDWARE_OFFLINE' });
  });
});

describe('closing under traffic', () => {
  it('a simulator reply racing a closing line does not crash the process', async () => {
    for (let i = 0; i < 20; i++) {
      const { doors, simulator } = await createDoorController({ protocol: 'simulator', layout, timing: { ...FAST, fastPollMs: 0 }, log: quietLog });
      simulator!.setFaults(0, { delayMs: i % 3 });
      doors.setAttentive(true);
      await sleep(i % 5);
      await doors.close();
    }
    await sleep(20);
  });
});
