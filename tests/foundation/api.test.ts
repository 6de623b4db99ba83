import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKioskCore, type KioskCore } from '../../src-main/core';
import { loadConfig } from '../../src-main/config';
import { CALL_NAMES } from '../../src-shared/api';

let core: KioskCore;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-api-'));
  // A fleet server URL nobody answers on: this test is about the API surface, not sync.
  const config = loadConfig(['--data-dir', dir, '--server-url', 'http://127.0.0.1:9/'], {});
  core = await createKioskCore({ config, mode: 'host', version: '9.9.9-test', dataDir: dir });
});
afterAll(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const hostile: unknown[] = [
  null,
  42,
  'a string',
  [],
  { code: 123456 },
  { code: '12345' },
  { code: '1234567' },
  { code: "'; DROP TABLE parcels; --" },
  { code: '１２３４５６' }, // full-width digits look right but are not ASCII digits
  { code: '123456', extra: 'field' },
  { code: 'x'.repeat(100_000) },
  { code: '123456', source: 'telepathy' },
];

describe('the API surface', () => {
  it('kioskInfo answers with the live kiosk: version, mode, hardware from the board', async () => {
    const r = await core.call('kioskInfo', {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const info = r.value as { version: string; mode: string; hardware: { status: string; boardsTotal: number; boardsOnline: number }; demo: boolean };
    expect(info.version).toBe('9.9.9-test');
    expect(info.mode).toBe('host');
    expect(info.demo).toBe(true);
    expect(info.hardware.boardsTotal).toBeGreaterThan(0);
    expect(info.hardware.boardsOnline).toBe(info.hardware.boardsTotal);
    expect(info.hardware.status).toBe('online');
  });

  it.each(hostile.map((x) => [JSON.stringify(x)?.slice(0, 40), x]))('pickupSubmitCode(%s) → BAD_INPUT', async (_label, input) => {
    const r = await core.call('pickupSubmitCode', input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('BAD_INPUT');
  });

  it('unknown calls and prototype names are BAD_INPUT, and the kiosk keeps answering', async () => {
    for (const name of ['nope', '__proto__', 'constructor', 'toString', 42, null]) {
      const r = await core.call(name, {});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('BAD_INPUT');
    }
    expect((await core.call('kioskInfo', {})).ok).toBe(true);
  });

  it('every call in the table rejects a non-object input with BAD_INPUT', async () => {
    for (const name of CALL_NAMES) {
      const r = await core.call(name, 'not an object');
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(r.error.code, name).toBe('BAD_INPUT');
    }
  });
});
