import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src-main/config';
import { createKioskCore, type KioskCore } from '../../src-main/core';

/**
 * The demo's in-process simulated bank keeps which compartments hold an item across a kiosk restart, as steel does
 * when the PC reboots; before, every restart emptied it and start-up flagged every deposited parcel "not sensed".
 */
let core: KioskCore | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

async function start(dir: string): Promise<KioskCore> {
  // A fleet URL nobody answers: no embedded demo server, the simulated board all the same.
  const config = loadConfig(['--data-dir', dir, '--server-url', 'http://127.0.0.1:9/'], {});
  return createKioskCore({ config, mode: 'host', version: 'test', dataDir: dir });
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 15_000; !cond(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the simulated bank across restarts', () => {
  it('an item put in before a restart is still sensed after it; a broken state file is an empty bank, not a crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-simbank-'));
    const file = path.join(dir, 'simulated-bank.json');
    core = await start(dir);
    core.ctx.simulator!.putItem('A03');
    await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('A03'), 'the bank state on disk');
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    await core.close();

    core = await start(dir);
    expect(core.ctx.simulator!.compartment('A03').item).toBe(true);
    expect(core.ctx.simulator!.compartment('A04').item).toBe(false);
    expect(core.ctx.doors.compartment('A03').item).toBe(true);
    await core.close();

    fs.writeFileSync(file, '{"items": "not a list"');
    core = await start(dir);
    expect(core.ctx.simulator!.compartment('A03').item).toBe(false);
  });
});
