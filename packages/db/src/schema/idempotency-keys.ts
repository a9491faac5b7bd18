import { integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, scopeColumns } from './columns.js';

/**
 * Idempotency records: a key is reserved (`in_progress`) before the request runs and completed
 * with the exact response afterwards, so any server process can replay or refuse a repeat.
 * `createdAt` is the record's generation: it changes only when an expired record is taken over
 * by a new request, never when a retry resumes an abandoned one.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    ...scopeColumns,
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: text('status').notNull(),
    responseStatus: integer('response_status'),
    responseHeaders: jsonb('response_headers').$type<Record<string, string>>(),
    responseBody: text('response_body'),
    createdAt: at('created_at').notNull(),
    lockedUntil: at('locked_until').notNull(),
    /**
     * Which attempt holds the reservation: an attempt whose reserving statement lost its answer
     * (the connection dropped) can take its own reservation back, or free it, without waiting
     * out the lease.
     */
    owner: text('owner'),
  },
  (t) => [primaryKey({ name: 'idempotency_keys_pkey', columns: [t.tenantId, t.appId, t.key] })],
);

/**
 * What a keyed request's committed transactions returned, one row per transaction, written in
 * that same transaction. A retry of a request that failed after committing replays these results
 * instead of running the transactions again, so the change is applied once (`generation` is the
 * record's `createdAt`: steps of an expired, reused key are never replayed).
 */
export const idempotencySteps = pgTable(
  'idempotency_steps',
  {
    ...scopeColumns,
    key: text('key').notNull(),
    generation: at('generation').notNull(),
    seq: integer('seq').notNull(),
    result: text('result').notNull(),
  },
  (t) => [
    primaryKey({ name: 'idempotency_steps_pkey', columns: [t.tenantId, t.appId, t.key, t.seq] }),
  ],
);
