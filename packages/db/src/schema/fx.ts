import type { FxRatesOverride } from '@ledger/domain';
import { jsonb, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { at, scopeColumns } from './columns.js';

/** A tenant's own FX rates, laid over the reference table at invoice time. */
export const fxOverrides = pgTable(
  'fx_overrides',
  {
    ...scopeColumns,
    overrides: jsonb('overrides').$type<FxRatesOverride>().notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ name: 'fx_overrides_pkey', columns: [t.tenantId, t.appId] })],
);
