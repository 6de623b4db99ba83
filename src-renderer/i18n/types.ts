import type { ErrorCode } from '../../src-shared/errors';

/** A message that depends on a count: one form per CLDR plural category the language uses. */
export type Plural = Partial<Record<Exclude<Intl.LDMLPluralRule, 'other'>, string>> & { other: string };
export type Message = string | Plural;

/** Every ErrorCode must have a text in every catalogue: the compiler checks this through `en`. */
export type ErrorKey = `error.${ErrorCode}`;
