import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoorOpPurpose } from '../../src-shared/api/common';
import { LOCALES, translate } from '../../src-renderer/i18n';
import { RESUME_TEXT } from '../../src-renderer/screens/ResumeScreen';
import { openKioskStore } from '../../src-main/store/kiosk-store';

let dir = '';
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** The purposes the kiosk's real schema accepts: the CHECK on `door_operations.purpose`, as migrated. */
function journalPurposes(): string[] {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-texts-'));
  const db = openKioskStore(path.join(dir, 'kiosk.db'));
  try {
    const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'door_operations'").get() as { sql: string };
    const list = /purpose\s+TEXT NOT NULL CHECK \(purpose IN \(([^)]*)\)\)/.exec(sql)![1]!;
    return [...list.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!).sort();
  } finally {
    db.close();
  }
}

// Red-team finding 2 (issue 10): a reload during a technician's service opening or a driver's collection showed the
// pickup text "Take your parcel" with the customer's simulated "take".
describe('the resume screen speaks for the operation it resumes', () => {
  it('every purpose the journal knows has its texts: the schema, the API enum and the table agree', () => {
    expect(Object.keys(RESUME_TEXT).sort()).toEqual(journalPurposes());
    expect(Object.keys(RESUME_TEXT).sort()).toEqual([...DoorOpPurpose.options].sort());
  });

  it('staff openings never get the pickup customer\'s words, in any language', () => {
    for (const locale of LOCALES) {
      const pickup = translate(locale, RESUME_TEXT.pickup.body, { door: 'A01' });
      for (const purpose of ['maintenance', 'collection', 'dropoff'] as const) {
        const body = translate(locale, RESUME_TEXT[purpose].body, { door: 'A01' });
        expect(body, `${locale} ${purpose}`).not.toBe(pickup);
        expect(body, `${locale} ${purpose}`).toContain('A01');
      }
    }
    expect(translate('en', RESUME_TEXT.maintenance.title, { door: 'A01' })).toBe('Door A01 is open for service: close it');
    expect(translate('en', RESUME_TEXT.collection.body, { door: 'A01' })).toMatch(/close door A01 after taking the parcels out/i);
    // Nothing goes in or out at a service opening: the demo control only shuts the door.
    expect(RESUME_TEXT.maintenance.simulate).toBe('close');
    expect(RESUME_TEXT.collection.simulate).toBe('take');
  });

  it('each purpose reads differently from the others, and each language has its own words', () => {
    for (const locale of LOCALES) {
      const bodies = Object.values(RESUME_TEXT).map((x) => translate(locale, x.body, { door: 'A01' }));
      expect(new Set(bodies).size, locale).toBe(bodies.length);
      if (locale === 'en') continue;
      for (const [purpose, x] of Object.entries(RESUME_TEXT)) {
        expect(translate(locale, x.body, { door: 'A01' }), `${locale} ${purpose}`).not.toBe(translate('en', x.body, { door: 'A01' }));
      }
    }
  });
});
