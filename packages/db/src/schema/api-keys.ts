import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, scopeColumns } from './columns.js';

/**
 * API keys, stored as SHA-256 hashes of high-entropy secrets. The hash index is the one lookup
 * that cannot start with the scope (the key is what decides the scope); it is deliberately not
 * unique so every key and unique index still leads with tenant and app.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    name: text('name'),
    createdAt: at('created_at').notNull(),
    revokedAt: at('revoked_at'),
  },
  (t) => [
    primaryKey({ name: 'api_keys_pkey', columns: [t.tenantId, t.appId, t.id] }),
    index('api_keys_hash_idx').on(t.keyHash),
  ],
);
