import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depositParcel, makeKiosk, type TestKiosk } from './harness';

/**
 * Every customer and staff call, given hostile input where a valid one is expected: wrong types, huge strings,
 * SQL-looking and unicode strings, extra keys. All must answer BAD_INPUT and leave the database exactly as it was.
 */
const SESSION = 'a'.repeat(24);
const OP = 'opopopop01';
const valid: Record<string, Record<string, unknown>> = {
  pickupSubmitCode: { code: '123456' },
  pickupSubmitQr: { token: 't'.repeat(22) },
  pickupKeypadMode: {},
  pickupReportProblem: { kind: 'damaged' },
  sendSubmitCode: { code: '123456' },
  sendSubmitQr: { token: 't'.repeat(22) },
  sendDoesntFit: { operationId: OP, token: 't'.repeat(22) },
  sendConfirm: { operationId: OP, inside: true },
  sendResume: {},
  sendDismiss: { operationId: OP },
  operationStatus: { operationId: OP },
  authBadge: { badge: 'LKB1.x.y' },
  authPin: { pin: '1234' },
  authEnd: { sessionId: SESSION },
  dropoffScan: { sessionId: SESSION, barcode: 'BC-0001' },
  dropoffDoesntFit: { sessionId: SESSION, operationId: OP },
  dropoffDoorDidntOpen: { sessionId: SESSION, operationId: OP },
  dropoffSummary: { sessionId: SESSION },
  collectionList: { sessionId: SESSION },
  collectionOpen: { sessionId: SESSION, parcelId: 'p_x' },
  maintenanceOverview: { sessionId: SESSION },
  maintenanceOpenDoor: { sessionId: SESSION, compartmentId: 'A01', reason: 'cleaning' },
  maintenanceSetService: { sessionId: SESSION, compartmentId: 'A01', inService: false, reason: 'broken' },
  maintenanceSelfTest: { sessionId: SESSION },
  maintenanceAudit: { sessionId: SESSION, limit: 10 },
  maintenanceSync: { sessionId: SESSION },
  maintenanceClearCodeLockout: { sessionId: SESSION },
};
/** Fields that accept any text within a length (their hostile values are types and lengths only). */
const FREE_TEXT = new Set(['reason', 'note', 'badge', 'parcelId']);

const WRONG_TYPES: unknown[] = [null, 42, -1.5, true, [], {}, ['123456'], { $gt: '' }];
const NASTY_STRINGS = [
  "123456' OR '1'='1",
  '1; DROP TABLE parcels; --',
  '１２３４５６', // full-width digits
  '١٢٣٤٥٦', // Arabic-Indic digits
  '12345\u0000',
  '123456\n',
  '🔓🔓🔓🔓🔓🔓',
  'A01\u202e',
  '',
  ' ',
];
const HUGE = ['x'.repeat(5_000), '9'.repeat(100_000)];

function hostileFor(field: string): unknown[] {
  if (field === 'inService' || field === 'inside') return [null, 1, 0, 'true', 'false', [], {}];
  if (field === 'limit') return [null, 0, -1, 501, 1.5, '10', 1e308, NaN, [], {}, ...NASTY_STRINGS];
  return FREE_TEXT.has(field) ? [...WRONG_TYPES, ...HUGE] : [...WRONG_TYPES, ...NASTY_STRINGS, ...HUGE];
}
/** Fields with a default: leaving them out is fine. */
const OPTIONAL = new Set(['limit', 'source']);

let k: TestKiosk;
beforeAll(async () => {
  k = await makeKiosk();
  depositParcel(k, 'A01', { code: '123456' });
});
afterAll(async () => k?.close());

function snapshot(): string {
  const tables = ['parcels', 'door_operations', 'outbox', 'audit_log', 'failed_attempts', 'lockouts', 'compartments', 'meta'];
  return tables.map((t) => JSON.stringify(k.ctx.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all())).join('\n');
}

describe('bad input at every customer and staff call', () => {
  for (const [call, base] of Object.entries(valid)) {
    it(`${call} → BAD_INPUT, nothing changed`, async () => {
      const before = snapshot();
      const unlocks = k.sim.received.unlock;
      const inputs: unknown[] = [
        'not an object',
        42,
        [base],
        { ...base, extra: 1 },
        { ...base, __proto__: { admin: true }, constructor: 'x' },
      ];
      for (const field of Object.keys(base)) {
        for (const v of hostileFor(field)) inputs.push({ ...base, [field]: v });
        const { [field]: _dropped, ...without } = base;
        if (!OPTIONAL.has(field)) inputs.push(without);
      }
      for (const input of inputs) {
        const r = await k.call(call, input);
        expect(r.ok, `${call} ${JSON.stringify(input)?.slice(0, 80)}`).toBe(false);
        expect(r.error!.code, `${call} ${JSON.stringify(input)?.slice(0, 80)}`).toBe('BAD_INPUT');
      }
      expect(snapshot()).toBe(before);
      expect(k.sim.received.unlock).toBe(unlocks);
    });
  }
});
