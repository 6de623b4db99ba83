import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src-main/config';

/**
 * The board family is chosen apart from where its line goes (ADR 0022): `board.family` (cu16 | cu12) and
 * `board.transport` (simulator | a device path). Configuration files written before that still mean what they meant.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-board-cfg-'));
const file = (name: string, content: unknown) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify(content));
  return f;
};

describe('old configuration files', () => {
  it('serial.protocol kerong-cu16 + serial.path (a file from before families) is a CU16 on that device', () => {
    const c = loadConfig(['--config', file('old-real.json', { serial: { protocol: 'kerong-cu16', path: '/dev/ttyUSB0', baud: 19200, itemSensors: true } })], {});
    expect(c.board).toEqual({ family: 'cu16', transport: '/dev/ttyUSB0' });
    expect(c.layout).toBe('demo-24');
    expect(c.serial.itemSensors).toBe(true);
  });

  it('serial.protocol simulator is the CU16 simulator; a serial.path beside it changes nothing, as before', () => {
    expect(loadConfig(['--config', file('old-sim.json', { serial: { protocol: 'simulator', path: '/dev/ttyUSB0' } })], {}).board).toEqual({ family: 'cu16', transport: 'simulator' });
    expect(loadConfig(['--config', file('old-path.json', { serial: { path: '/dev/ttyUSB0' } })], {}).board).toEqual({ family: 'cu16', transport: 'simulator' });
    expect(loadConfig([], {}).board).toEqual({ family: 'cu16', transport: 'simulator' });
  });

  it('--protocol kerong-cu16 --serial-path still works, and still needs the path', () => {
    expect(loadConfig(['--protocol', 'kerong-cu16', '--serial-path', '/dev/ttyACM0'], {}).board).toEqual({ family: 'cu16', transport: '/dev/ttyACM0' });
    expect(() => loadConfig(['--protocol', 'kerong-cu16'], {})).toThrow(/serial\.path: required when serial\.protocol is kerong-cu16/);
  });
});

describe('board.family and board.transport', () => {
  it('a CU12 on a device: its own demo layout by default, and no item sensors whatever serial.itemSensors says', () => {
    const c = loadConfig(['--config', file('cu12.json', { board: { family: 'cu12', transport: '/dev/serial/by-id/usb-rs485' }, serial: { itemSensors: true } })], {});
    expect(c.board).toEqual({ family: 'cu12', transport: '/dev/serial/by-id/usb-rs485' });
    expect(c.layout).toBe('cu12-24');
    expect(c.serial.itemSensors).toBe(false);
  });

  it('--board-family alone runs that family on the simulator; board fields win over the old spelling', () => {
    expect(loadConfig(['--board-family', 'cu12'], {}).board).toEqual({ family: 'cu12', transport: 'simulator' });
    expect(loadConfig(['--protocol', 'kerong-cu16', '--serial-path', '/dev/ttyUSB1', '--board-family', 'cu12'], {}).board).toEqual({ family: 'cu12', transport: '/dev/ttyUSB1' });
    expect(loadConfig(['--board-transport', '/dev/ttyUSB2'], {}).board).toEqual({ family: 'cu16', transport: '/dev/ttyUSB2' });
    expect(loadConfig(['--board.family=cu12', '--board.transport', 'simulator'], {}).board).toEqual({ family: 'cu12', transport: 'simulator' });
  });

  it.each([
    [['--board-family', 'cu99'], /^invalid configuration: board\.family: /],
    [['--board-family', 'modbus-relay'], /^invalid configuration: board\.family: /],
    [['--board-transport', 'ttyUSB0'], /^invalid configuration: board\.transport: expected "simulator" or a serial device path such as \/dev\/ttyUSB0$/],
    [['--board-family', 'cu12', '--layout', 'demo-24'], /compartment A13 is on lock 12, but a Kerong CU12 board has locks 0-11 \(bundled for cu12: cu12-24\)/],
    [['--config', file('typo.json', { board: { famliy: 'cu12' } })], /^invalid configuration: board: /],
  ])('bad choice %j → one ConfigError naming the field', (argv, re) => {
    expect(() => loadConfig(argv, {})).toThrow(ConfigError);
    expect(() => loadConfig(argv, {})).toThrow(re);
  });

  it('--help names the family and transport flags', () => {
    const err = (() => {
      try {
        loadConfig(['--help'], {});
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.exitCode).toBe(0);
    expect(err?.message).toMatch(/--board-family cu16\|cu12/);
    expect(err?.message).toMatch(/--board-transport simulator\|DEV/);
  });
});
