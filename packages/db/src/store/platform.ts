import type { ApiKeyStore, IdempotencyRecord, IdempotencyStore } from '@ledger/domain';
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { apiKeys, idempotencyKeys } from '../schema/index.js';
import { inScope } from './scope.js';

/** API keys over either driver. */
export function apiKeyStore(db: Db): ApiKeyStore {
  return {
    async insertApiKey(record) {
      await db.insert(apiKeys).values(record);
    },
    async findApiKeyByHash(keyHash) {
      const rows = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1);
      const row = rows[0];
      if (!row) return null;
      const { keyHash: _hash, ...record } = row;
      return record;
    },
    async countApiKeys(scope) {
      const rows = await db.select({ n: count() }).from(apiKeys).where(inScope(apiKeys, scope));
      return rows[0]?.n ?? 0;
    },
    async revokeApiKey(scope, id, at) {
      const rows = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(inScope(apiKeys, scope), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      return rows.length > 0;
    },
  };
}

/** Idempotency records over either driver. */
export function idempotencyStore(db: Db): IdempotencyStore {
  return {
    async reserveIdempotencyKey(scope, request) {
      // One statement: insert, or take over a record that expired or whose request was
      // abandoned (lease passed); otherwise leave the existing record as it is.
      const taken = await db
        .insert(idempotencyKeys)
        .values({
          ...scope,
          key: request.key,
          requestHash: request.requestHash,
          status: 'in_progress',
          createdAt: request.now,
          lockedUntil: request.lockedUntil,
        })
        .onConflictDoUpdate({
          target: [idempotencyKeys.tenantId, idempotencyKeys.appId, idempotencyKeys.key],
          set: {
            requestHash: request.requestHash,
            status: 'in_progress',
            responseStatus: null,
            responseHeaders: null,
            responseBody: null,
            createdAt: request.now,
            lockedUntil: request.lockedUntil,
          },
          // Raw SQL bypasses drizzle's column mapping (postgres.js refuses Date params here).
          setWhere: sql`${idempotencyKeys.createdAt} < ${request.expiredBefore.toISOString()}::timestamptz
            OR (${idempotencyKeys.status} = 'in_progress' AND ${idempotencyKeys.lockedUntil} < ${request.now.toISOString()}::timestamptz)`,
        })
        .returning({ key: idempotencyKeys.key });
      if (taken.length > 0) return { reserved: true };
      const rows = await db
        .select()
        .from(idempotencyKeys)
        .where(and(inScope(idempotencyKeys, scope), eq(idempotencyKeys.key, request.key)));
      const row = rows[0];
      if (!row) return this.reserveIdempotencyKey(scope, request);
      const record: IdempotencyRecord = {
        key: row.key,
        requestHash: row.requestHash,
        status: row.status as IdempotencyRecord['status'],
        createdAt: row.createdAt,
        response:
          row.status === 'completed'
            ? {
                status: row.responseStatus ?? 200,
                headers: row.responseHeaders ?? {},
                body: row.responseBody ?? '',
              }
            : null,
      };
      return { reserved: false, record };
    },

    async completeIdempotencyKey(scope, key, response) {
      await db
        .update(idempotencyKeys)
        .set({
          status: 'completed',
          responseStatus: response.status,
          responseHeaders: response.headers,
          responseBody: response.body,
        })
        .where(and(inScope(idempotencyKeys, scope), eq(idempotencyKeys.key, key)));
    },

    async releaseIdempotencyKey(scope, key) {
      await db
        .delete(idempotencyKeys)
        .where(and(inScope(idempotencyKeys, scope), eq(idempotencyKeys.key, key)));
    },
  };
}
