import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { bootEmbedded, DataDirInUseError, type EmbeddedBoot } from '../src/boot.js';
import { LOCK_FILE, openDatabase } from '../src/index.js';

/**
 * `ledger serve` boots the embedded database before the rest of Ledger loads and hands the boot
 * to `openDatabase`; a restart with nothing to migrate does not run the migrator.
 */

const root = mkdtempSync(join(tmpdir(), 'ledger-boot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A boot of `client` that records the text of every statement sent through `query` and `exec`
 * (drizzle's and the migrator's, outside transactions).
 */
function recordingBoot(client: PGlite, statements: string[]): EmbeddedBoot {
  const recording = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (property !== 'query' && property !== 'exec') return value.bind(target);
      return (text: string, ...rest: unknown[]) => {
        statements.push(text);
        return value.call(target, text, ...rest);
      };
    },
  });
  return {
    dataDir: undefined,
    claim: () => ({ client: recording, lock: null }),
    discard: () => client.close(),
  };
}

const migratorRan = (statements: string[]) =>
  statements.some((text) => /CREATE SCHEMA IF NOT EXISTS/i.test(text));

describe('booting the embedded database', () => {
  it('locks the data directory at once: a second boot is refused before anything starts', async () => {
    const dataDir = join(root, 'held');
    const boot = bootEmbedded(dataDir, 'ledger serve');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);
    expect(() => bootEmbedded(dataDir, 'ledger migrate')).toThrow(DataDirInUseError);
    // Discarded (a start that failed before opening it): closed, and the lock is gone.
    await boot.discard();
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const again = bootEmbedded(dataDir, 'ledger serve');
    await again.discard();
  });

  it('is opened by openDatabase, once, and its lock goes when the database closes', async () => {
    const dataDir = join(root, 'opened');
    const boot = bootEmbedded(dataDir, 'ledger serve');
    const database = await openDatabase({ dataDir: join(root, 'elsewhere'), embedded: boot });
    try {
      expect(database.dataDir).toBe(dataDir);
      expect(existsSync(join(root, 'elsewhere'))).toBe(false);
      await database.ping();
      expect(() => boot.claim()).toThrow(/already opened/);
      // Discarding what was opened is a no-op: the database stays up.
      await boot.discard();
      await database.ping();
    } finally {
      await database.close();
    }
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('runs the migrator only when a migration is newer than the last one applied', async () => {
    const dataDir = join(root, 'migrated');
    const first = await openDatabase({ dataDir });
    await first.close();

    const restart: string[] = [];
    const reopened = await openDatabase({
      embedded: recordingBoot(new PGlite(dataDir), restart),
    });
    await reopened.close();
    expect(restart.length).toBeGreaterThan(0);
    expect(migratorRan(restart)).toBe(false);

    // A database without the migrations (initdb, no template) gets all of them.
    const fresh: string[] = [];
    const initialised = await openDatabase({ embedded: recordingBoot(new PGlite(), fresh) });
    try {
      expect(migratorRan(fresh)).toBe(true);
      const { rows } = await (initialised.db as unknown as { $client: PGlite }).$client.query<{
        n: number;
      }>('select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await initialised.close();
    }
  });
});
