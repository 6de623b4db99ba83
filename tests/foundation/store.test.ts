import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, schemaVersion, StoreError, type Migration } from '../../src-main/store/sqlite';
import { kioskMigrations } from '../../src-main/store/migrations/index';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiosk-store-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('store foundation', () => {
  it('opens with WAL, synchronous=FULL, foreign keys and a busy timeout, at the latest schema', () => {
    const db = openDatabase(path.join(dir, 'k.db'), kioskMigrations);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    // Short: better-sqlite3 waits synchronously, so this bounds how long the main process can stall (api/dispatch retries).
    expect(db.pragma('busy_timeout', { simple: true })).toBeLessThanOrEqual(100);
    expect(schemaVersion(db)).toBe(kioskMigrations.length);
    db.close();
  });

  it('refuses a database written by a newer version, and leaves it untouched', () => {
    const file = path.join(dir, 'future.db');
    const future = new Database(file);
    future.exec('CREATE TABLE from_the_future (x)');
    future.pragma(`user_version = ${kioskMigrations.length + 5}`);
    future.close();
    let err: unknown;
    try {
      openDatabase(file, kioskMigrations);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('DB_FROM_FUTURE');
    expect((err as StoreError).message).toMatch(/newer than this software understands/);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(kioskMigrations.length + 5);
    check.close();
  });

  it('runs all pending migrations in one transaction: a failing one leaves the old schema intact', () => {
    const file = path.join(dir, 'm.db');
    const ok: Migration = { version: 1, name: 'a', up: (db) => db.exec('CREATE TABLE a (x INTEGER)') };
    openDatabase(file, [ok]).close();
    const b: Migration = { version: 2, name: 'b', up: (db) => db.exec('CREATE TABLE b (x INTEGER)') };
    const broken: Migration = { version: 3, name: 'broken', up: (db) => db.exec('CREATE TABLE oops (') };
    expect(() => openDatabase(file, [ok, b, broken])).toThrow(/migration 3 \(broken\) failed/);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    db.close();
    // Fixed software then migrates from where it stood.
    const fixed: Migration = { version: 3, name: 'fixed', up: (d) => d.exec('CREATE TABLE c (x INTEGER)') };
    const after = openDatabase(file, [ok, b, fixed]);
    expect(schemaVersion(after)).toBe(3);
    after.close();
  });

  it('rejects a migration list with gaps', () => {
    const m: Migration = { version: 2, name: 'gap', up: () => {} };
    expect(() => openDatabase(path.join(dir, 'g.db'), [m])).toThrow(/expected 1/);
  });
});
