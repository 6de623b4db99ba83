import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../src-renderer/i18n';
import { AUDIT_ACTIONS, AUDIT_ACTION_TEXT, auditActionText } from '../../src-renderer/screens/maintenance/audit-actions';

const MAIN = path.resolve(import.meta.dirname, '..', '..', 'src-main');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

/**
 * Action names main writes to the audit log: the literal in every audit-writing call (`kit.audit(actor, 'x.y'`,
 * `record(…)`, `recordAlarm(…)`, `append(…)`), an `auditAction:` and `const action = … ? 'x.y' : 'z.w'`.
 */
function actionsMainWrites(): string[] {
  const found = new Set<string>();
  for (const file of sources(MAIN)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:\baudit\(|\brecord\(|\brecordAlarm\(|\bappend\(|auditAction:|const action =)[^;]*/g)) {
      for (const a of m[0].matchAll(/'([a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*)'/g)) found.add(a[1]!);
    }
  }
  return [...found].sort();
}

// Red-team finding 11 (issue 10): the audit tab's "What" column showed raw event names (`maintenance.door_opened`).
describe('the audit tab says what happened in words', () => {
  it('every action main writes has words in the table', () => {
    const written = actionsMainWrites();
    expect(written.length).toBeGreaterThan(40);
    expect(written.filter((a) => !(AUDIT_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });

  it('in all four languages, each its own and none a raw name', () => {
    for (const locale of LOCALES) {
      for (const action of AUDIT_ACTIONS) {
        const text = AUDIT_ACTION_TEXT[locale][action];
        expect(text.trim(), `${locale} ${action}`).not.toBe('');
        expect(text, `${locale} ${action}`).not.toMatch(/[a-z]\.[a-z]|_/);
        if (locale !== 'en') expect(text, `${locale} ${action}`).not.toBe(AUDIT_ACTION_TEXT.en[action]);
      }
    }
    expect(auditActionText('de', 'maintenance.open_door')).toBe('Tür zur Wartung geöffnet');
    expect(auditActionText('en', 'something.new')).toBeNull();
  });
});
