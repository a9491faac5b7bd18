import { type ApiKeyRecord, hashApiKey, issueApiKey, systemClock } from '@ledger/domain';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/index.js';
import { API_KEY_CHANNEL, cachingApiKeys } from '../src/store/api-key-cache.js';
import { apiKeyStore } from '../src/store/platform.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../src/testing.js';

/**
 * The API-key cache against a real database: what it keeps (found keys only, at most
 * `maxEntries`), and the two ways a change made elsewhere reaches it: the database's announcement
 * (the `api_keys` triggers, heard through `Database.listen`) and, without one, its time-to-live.
 */

const scope = { tenantId: 't', appId: 'a' };

/** Polls `probe` until it is true, for at most `ms` (an announcement arrives asynchronously). */
async function eventually(probe: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return probe();
}

/** A new key of `scope` and the hash it is looked up by. */
async function issueIn(database: TestDatabase) {
  const { secret, key } = await issueApiKey(apiKeyStore(database.db), systemClock, scope);
  return { key, hash: await hashApiKey(secret) };
}

describe.each(testDatabaseKinds())('API-key cache on %s', (kind) => {
  let database: TestDatabase;
  const issue = () => issueIn(database);
  const revokeBySql = (id: string) =>
    database.db.execute(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${id}`);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.close());

  it('serves a found key from memory until its time-to-live passes', async () => {
    let now = 0;
    const cache = cachingApiKeys(apiKeyStore(database.db), { ttlMs: 5_000, now: () => now });
    const { key, hash } = await issue();
    expect(await cache.store.findApiKeyByHash(hash)).toMatchObject({ id: key.id, revokedAt: null });
    // Revoked behind the cache's back, with no announcement heard: still served from memory...
    await revokeBySql(key.id);
    now = 4_999;
    expect((await cache.store.findApiKeyByHash(hash))?.revokedAt).toBeNull();
    // ...until the time-to-live has passed.
    now = 5_000;
    expect((await cache.store.findApiKeyByHash(hash))?.revokedAt).toBeInstanceOf(Date);
  });

  it('drops a key at once when it revokes it itself, and when the database announces a change', async () => {
    const cache = cachingApiKeys(apiKeyStore(database.db), { ttlMs: Number.POSITIVE_INFINITY });
    await database.listen(API_KEY_CHANNEL, cache.forget, () => cache.forget(''));
    const own = await issue();
    expect((await cache.store.findApiKeyByHash(own.hash))?.revokedAt).toBeNull();
    expect(await cache.store.revokeApiKey(scope, own.key.id, new Date())).toBe(true);
    expect((await cache.store.findApiKeyByHash(own.hash))?.revokedAt).toBeInstanceOf(Date);
    // Revoked by hand in SQL: only the trigger's NOTIFY can tell a cache that never expires.
    const byHand = await issue();
    expect((await cache.store.findApiKeyByHash(byHand.hash))?.revokedAt).toBeNull();
    await revokeBySql(byHand.key.id);
    const refused = await eventually(
      async () => (await cache.store.findApiKeyByHash(byHand.hash))?.revokedAt instanceof Date,
    );
    expect(refused).toBe(true);
  });

  it('keeps at most maxEntries keys, and never an unknown hash', async () => {
    const cache = cachingApiKeys(apiKeyStore(database.db), { maxEntries: 2 });
    for (let i = 0; i < 5; i += 1) {
      expect(await cache.store.findApiKeyByHash(`unknown-${i}`)).toBeNull();
    }
    expect(cache.size()).toBe(0);
    const found: Array<ApiKeyRecord | null> = [];
    for (let i = 0; i < 3; i += 1) {
      const { hash } = await issue();
      found.push(await cache.store.findApiKeyByHash(hash));
    }
    expect(found.every((record) => record !== null)).toBe(true);
    expect(cache.size()).toBe(2);
  });
});

describe.runIf(testDatabaseKinds().includes('postgres'))('API-key cache across pools', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(() => database.close());

  it('hears a change committed through another connection pool', async () => {
    const url = database.url as string;
    const other = await openDatabase({ url, poolSize: 1 });
    try {
      const cache = cachingApiKeys(apiKeyStore(database.db), {
        ttlMs: Number.POSITIVE_INFINITY,
      });
      await database.listen(API_KEY_CHANNEL, cache.forget, () => cache.forget(''));
      const { key, hash } = await issueIn(database);
      expect((await cache.store.findApiKeyByHash(hash))?.revokedAt).toBeNull();
      expect(await apiKeyStore(other.db).revokeApiKey(scope, key.id, new Date())).toBe(true);
      const refused = await eventually(
        async () => (await cache.store.findApiKeyByHash(hash))?.revokedAt instanceof Date,
      );
      expect(refused).toBe(true);
    } finally {
      await other.close();
    }
  });
});
