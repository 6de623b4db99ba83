import { describe, expect, it } from 'vitest';
import { HttpError, parseJsonBody } from '../../src-server/http/errors';

/**
 * Every JSON body the fleet server takes goes through parseJsonBody (http/guard.ts). It refuses prototype keys by
 * name, however the JSON spells them: red team 12 found `"\u005f_proto__"` (a JSON escape for the same key) passed the
 * old substring check and came out as an own `__proto__` property. Today's schemas are strict and dropped it; a later
 * merge of such an object would not.
 */
describe('parseJsonBody', () => {
  it.each([
    ['__proto__ as written', '{"__proto__":{"polluted":1}}'],
    ['__proto__ with an escaped underscore', '{"\\u005f_proto__":{"polluted":1}}'],
    ['__proto__ with every letter escaped', '{"a":[{"\\u005F\\u005F\\u0070\\u0072\\u006F\\u0074\\u006F\\u005F\\u005F":1}]}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":1}}}'],
  ])('refuses %s with BAD_INPUT naming the key, and pollutes nothing', (_what, text) => {
    let thrown: unknown;
    try {
      parseJsonBody(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect((thrown as HttpError).code).toBe('BAD_INPUT');
    expect((thrown as HttpError).message).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('takes ordinary JSON, keys that only look alike included, and throws SyntaxError for text that is not JSON', () => {
    expect(parseJsonBody('{"proto":1,"__proto":2,"constructor":"x","note":"__proto__ in a value"}')).toEqual({ proto: 1, __proto: 2, constructor: 'x', note: '__proto__ in a value' });
    expect(() => parseJsonBody('{"a":')).toThrow(SyntaxError);
  });
});
