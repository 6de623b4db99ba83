import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { hashPin, verifyPin, PIN_HASH_FORMAT } from '../../src-main/services/pin-hash';
import { loadConfig } from '../../src-main/config';

describe('technician PIN hash', () => {
  // log2 N = 10 keeps the test fast; the format and the check are the same as at the default cost.
  const stored = hashPin('97531024', undefined, 10);

  it('accepts the PIN it was made from and nothing else', () => {
    expect(stored).toMatch(PIN_HASH_FORMAT);
    expect(verifyPin('97531024', stored)).toBe(true);
    expect(verifyPin('97531025', stored)).toBe(false);
    expect(verifyPin('', stored)).toBe(false);
  });

  it('is salted: the same PIN never hashes the same twice, and the PIN is not in it', () => {
    const again = hashPin('97531024', undefined, 10);
    expect(again).not.toBe(stored);
    expect(verifyPin('97531024', again)).toBe(true);
    expect(stored).not.toContain('97531024');
  });

  it('a malformed or tampered hash never matches', () => {
    expect(verifyPin('97531024', 'sha256$abc')).toBe(false);
    const parts = stored.split('$');
    parts[3] = Buffer.alloc(32, 1).toString('base64');
    expect(verifyPin('97531024', parts.join('$'))).toBe(false);
  });

  it('the config refuses a plain digest or PIN in technicianPinHash, naming the field', () => {
    expect(() => loadConfig([], { KIOSK_CONFIG: '' })).not.toThrow();
    const bad = { technicianPinHash: '246810' };
    const file = `${process.env.TMPDIR ?? '/tmp'}/pin-${process.pid}.json`;
    fs.writeFileSync(file, JSON.stringify(bad));
    expect(() => loadConfig(['--config', file], {})).toThrow(/technicianPinHash: expected the output of npm run pin-hash/);
    expect(() => loadConfig(['--config', file], {})).not.toThrow(/246810/);
  });
});
