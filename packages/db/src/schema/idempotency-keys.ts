import { integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, scopeColumns } from './columns.js';

/**
 * Idempotency records: a key is reserved (`in_progress`) before the request runs and completed
 * with the exact response afterwards, so any server process can replay or refuse a repeat.
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
  },
  (t) => [primaryKey({ name: 'idempotency_keys_pkey', columns: [t.tenantId, t.appId, t.key] })],
);
