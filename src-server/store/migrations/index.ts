import type { Migration } from '../../../src-main/store/sqlite';
import { m001 } from './001-initial';

/** The fleet server's schema history, in order. Append only: never edit a migration that has shipped. */
export const serverMigrations: readonly Migration[] = [m001];
