import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { at } from './columns.js';

/**
 * Rate limit counters that every server process on one PostgreSQL shares: how many requests a
 * budget's key (`ledger:reads:<api key id>`, `ledger:auth:<client address>`) has spent in its
 * current window, and when that window ends. Not scoped: a key names an API key or a client
 * address, never tenant data, and the address budget is counted before any scope is known.
 * Expired rows are reused by the next request and swept by the store (`expire` is indexed for it).
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    points: integer('points').notNull(),
    expire: at('expire').notNull(),
  },
  (t) => [index('rate_limits_expire_idx').on(t.expire)],
);
