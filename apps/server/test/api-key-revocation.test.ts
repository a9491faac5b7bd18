import { API_KEY_CACHE_TTL_MS } from '@ledger/db';
import { testDatabaseKinds } from '@ledger/db/testing';
import { hashApiKey, issueApiKey, systemClock } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinTestLedger, startTestLedger, type TestLedger } from './harness.js';
import { killChildren, ledger } from './processes.js';
import { scopeA, TEST_SECRET_KEY } from './support.js';

/**
 * Servers remember the keys they have verified (no statement for the key on a request), and a
 * revocation still reaches them: at once on the server that revoked, and on every other server
 * as the database announces it, within the documented bound (docs/rest.md, "Authentication").
 */

const listPath = '/ledger/customers?limit=1';

/** A new key of tenant A, issued through `t`, and the id it is revoked by. */
async function issueKey(t: TestLedger) {
  const { secret, key } = await issueApiKey(t.server.ledger.deps.platform, systemClock, scopeA);
  return { secret, id: key.id, hash: await hashApiKey(secret) };
}

/** Polls `t` with `secret` until it is refused, for at most the cache's time-to-live and slack. */
async function refusedWithinBound(t: TestLedger, secret: string): Promise<number> {
  const deadline = Date.now() + API_KEY_CACHE_TTL_MS + 5_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await t.rest('GET', listPath, { key: secret })).status;
    if (status === 401) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return status;
}

describe.each(testDatabaseKinds())('API-key revocation on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('refuses a key on the very next request after the server revoked it', async () => {
    const { secret, id } = await issueKey(t);
    // Twice: the second answer comes from the cache.
    expect((await t.rest('GET', listPath, { key: secret })).status).toBe(200);
    expect((await t.rest('GET', listPath, { key: secret })).status).toBe(200);
    expect(await t.server.ledger.deps.platform.revokeApiKey(scopeA, id, new Date())).toBe(true);
    expect((await t.rest('GET', listPath, { key: secret })).status).toBe(401);
    expect((await t.rest('GET', listPath)).status).toBe(200);
  });

  it('refuses a key revoked by hand in SQL within the bound', async () => {
    const { secret, id } = await issueKey(t);
    expect((await t.rest('GET', listPath, { key: secret })).status).toBe(200);
    expect((await t.rest('GET', listPath, { key: secret })).status).toBe(200);
    // Ids are generated (letters, digits, '_'), so the literal needs no escaping.
    await t.database.db.execute(`UPDATE api_keys SET revoked_at = now() WHERE id = '${id}'`);
    expect(await refusedWithinBound(t, secret)).toBe(401);
  });
});

describe.runIf(testDatabaseKinds().includes('postgres'))(
  'API-key revocation across two servers on one PostgreSQL',
  () => {
    let first: TestLedger;
    let second: TestLedger;
    beforeAll(async () => {
      first = await startTestLedger('postgres');
      second = await joinTestLedger(first);
    });
    afterAll(async () => {
      killChildren();
      await second?.close();
      await first?.close();
    });

    it('a key revoked by `ledger api-keys revoke` is refused by both within the bound', async () => {
      const { secret, id } = await issueKey(first);
      for (const server of [first, second, first, second]) {
        expect((await server.rest('GET', listPath, { key: secret })).status).toBe(200);
      }
      const revoked = await ledger(
        ['api-keys', 'revoke', '--tenant', 'tenant-a', '--app', 'app', id],
        {
          DATABASE_URL: first.database.url as string,
          LEDGER_SECRET_KEY: TEST_SECRET_KEY,
        },
      );
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain(`Revoked ${id}`);
      expect(await refusedWithinBound(first, secret)).toBe(401);
      expect(await refusedWithinBound(second, secret)).toBe(401);
    });

    it('a key revoked through one server is refused by the other within the bound', async () => {
      const { secret, id } = await issueKey(first);
      for (const server of [first, second, first, second]) {
        expect((await server.rest('GET', listPath, { key: secret })).status).toBe(200);
      }
      expect(await first.server.ledger.deps.platform.revokeApiKey(scopeA, id, new Date())).toBe(
        true,
      );
      expect((await first.rest('GET', listPath, { key: secret })).status).toBe(401);
      expect(await refusedWithinBound(second, secret)).toBe(401);
      // Its other keys still work on both.
      expect((await second.rest('GET', listPath)).status).toBe(200);
      expect((await first.rest('GET', listPath)).status).toBe(200);
    });
  },
);
