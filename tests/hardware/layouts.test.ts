import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src-main/config';
import { bundledLayouts, loadLayout, parseLayout } from '../../src-main/hardware/layouts';

describe('bundled layouts', () => {
  it('ships demo-24 and bank-32', () => {
    expect(bundledLayouts()).toEqual(expect.arrayContaining(['demo-24', 'bank-32']));
  });

  it('demo-24: 24 compartments, every size, board 0 locks 0-15 and board 1 locks 0-7', () => {
    const l = loadLayout('demo-24');
    expect(l.compartments).toHaveLength(24);
    expect(new Set(l.compartments.map((c) => c.size))).toEqual(new Set(['S', 'M', 'L', 'XL']));
    const locks = (b: number) => l.compartments.filter((c) => c.board === b).map((c) => c.lock).sort((x, y) => x - y);
    expect(locks(0)).toEqual([...Array(16).keys()]);
    expect(locks(1)).toEqual([...Array(8).keys()]);
    expect(l.compartments[0]!.id).toBe('A01');
  });

  it('bank-32: 32 compartments on 2 full boards', () => {
    const l = loadLayout('bank-32');
    expect(l.compartments).toHaveLength(32);
    expect(new Set(l.compartments.map((c) => c.board))).toEqual(new Set([0, 1]));
  });

  it('heights rise towards row 0 within each column, and stay under 2 m', () => {
    for (const name of ['demo-24', 'bank-32']) {
      const l = loadLayout(name);
      for (let col = 0; col < l.columns; col++) {
        const cs = l.compartments.filter((c) => c.column === col).sort((a, b) => a.row - b.row);
        for (let i = 1; i < cs.length; i++) expect(cs[i - 1]!.heightCm).toBeGreaterThan(cs[i]!.heightCm);
        expect(cs[0]!.heightCm).toBeLessThan(200);
      }
    }
  });
});

describe('layout errors name the field', () => {
  const base = () => JSON.parse(JSON.stringify(loadLayout('demo-24'))) as { compartments: Array<Record<string, unknown>> };

  it('duplicate id', () => {
    const l = base();
    l.compartments[3]!.id = 'A01';
    expect(() => parseLayout(l, 'x.json')).toThrow(/compartments\.3\.id: duplicate compartment id A01/);
  });

  it('unknown size', () => {
    const l = base();
    l.compartments[5]!.size = 'XXL';
    expect(() => parseLayout(l)).toThrow(ConfigError);
    expect(() => parseLayout(l)).toThrow(/compartments\.5\.size/);
  });

  it('the same lock twice', () => {
    const l = base();
    l.compartments[2]!.lock = 0;
    expect(() => parseLayout(l)).toThrow(/board 0 lock 0 is used twice/);
  });

  it('a file path works, and bad JSON or a missing name says which file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layout-'));
    try {
      const good = path.join(dir, 'mine.json');
      fs.writeFileSync(good, JSON.stringify(loadLayout('bank-32')));
      expect(loadLayout(good).compartments).toHaveLength(32);
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, '{ nope');
      expect(() => loadLayout(bad)).toThrow(/bad\.json: not valid JSON/);
      expect(() => loadLayout('no-such-layout')).toThrow(/layout "no-such-layout" not found \(bundled: .*demo-24/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
