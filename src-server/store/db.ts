import path from 'node:path';
import { openDatabase, type Db } from '../../src-main/store/sqlite';
import { serverMigrations } from './migrations/index';

export type { Db };

export function openServerDatabase(dataDir: string): Db {
  return openDatabase(path.join(dataDir, 'fleet.sqlite'), serverMigrations);
}
