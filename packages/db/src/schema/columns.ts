import { bigint, text, timestamp } from 'drizzle-orm/pg-core';

/** Every table starts with the scope: tenant and app lead every key (ARCHITECTURE.md). */
export const scopeColumns = {
  tenantId: text('tenant_id').notNull(),
  appId: text('app_id').notNull(),
};

/** Millisecond timestamps with time zone, as JavaScript Dates carry them. */
export function at(name: string) {
  return timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });
}

/** Minor units; the store keeps them within ±(2^53 − 1), so `number` is exact. */
export function minor(name: string) {
  return bigint(name, { mode: 'number' });
}
