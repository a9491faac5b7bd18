import type { PortalConfiguration } from '@ledger/domain';
import { foreignKey, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, scopeColumns } from './columns.js';
import { customers } from './customers.js';

/**
 * Billing portal sessions. Only SHA-256 hashes of the link token and of the browser cookie are
 * stored (a dump opens no portal); each is indexed, so a lookup by either is one index probe.
 */
export const portalSessions = pgTable(
  'portal_sessions',
  {
    ...scopeColumns,
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    returnUrl: text('return_url').notNull(),
    tokenHash: text('token_hash').notNull(),
    cookieHash: text('cookie_hash'),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: at('expires_at').notNull(),
    createdAt: at('created_at').notNull(),
    usedAt: at('used_at'),
    sessionExpiresAt: at('session_expires_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [
    primaryKey({ name: 'portal_sessions_pkey', columns: [t.tenantId, t.appId, t.id] }),
    foreignKey({
      name: 'portal_sessions_customer_fk',
      columns: [t.tenantId, t.appId, t.customerId],
      foreignColumns: [customers.tenantId, customers.appId, customers.id],
    }),
    // Looked up before the scope is known (the link or cookie is all a browser brings); 256-bit
    // random tokens do not collide, so these need not be unique (keys lead with the scope).
    index('portal_sessions_token_idx').on(t.tokenHash),
    index('portal_sessions_cookie_idx').on(t.cookieHash),
    index('portal_sessions_customer_idx').on(t.tenantId, t.appId, t.customerId),
  ],
);

/** Each scope's portal configuration, one row, stored whole (defaults fill what is missing). */
export const portalConfigurations = pgTable(
  'portal_configurations',
  {
    ...scopeColumns,
    configuration: jsonb('configuration').$type<Omit<PortalConfiguration, 'updatedAt'>>().notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ name: 'portal_configurations_pkey', columns: [t.tenantId, t.appId] })],
);
