import type { Migration } from '../../../src-main/store/sqlite';
import { m001 } from './001-initial';
import { m002 } from './002-reminder-per-expiry';

/** The fleet server's schema history, in order. Append only: never edit a migration that has shipped. */
export const serverMigrations: readonly Migration[] = [m001, m002];
