import {
  type CustomerId,
  defaultPortalConfiguration,
  type PortalSessionId,
  type PortalStore,
  type StoredPortalSession,
} from '@ledger/domain';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { portalConfigurations, portalSessions } from '../schema/index.js';
import { inScope } from './scope.js';

type Row = typeof portalSessions.$inferSelect;

/** A portal session row as stored (hashes included); the export shows its view. */
export function toSession(row: Row): StoredPortalSession {
  return {
    id: row.id as PortalSessionId,
    customerId: row.customerId as CustomerId,
    returnUrl: row.returnUrl,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    usedAt: row.usedAt,
    sessionExpiresAt: row.sessionExpiresAt,
    revokedAt: row.revokedAt,
    tokenHash: row.tokenHash,
    cookieHash: row.cookieHash,
    csrfToken: row.csrfToken,
  };
}

function withScope(row: Row) {
  return { scope: { tenantId: row.tenantId, appId: row.appId }, session: toSession(row) };
}

/** Portal sessions and configurations over either driver. */
export function portalStore(db: Db): PortalStore {
  return {
    async insertPortalSession(scope, session) {
      await db.insert(portalSessions).values({ ...scope, ...session });
    },

    async getPortalSession(scope, id) {
      const rows = await db
        .select()
        .from(portalSessions)
        .where(and(inScope(portalSessions, scope), eq(portalSessions.id, id)));
      return rows[0] ? toSession(rows[0]) : null;
    },

    async openPortalLink(tokenHash, now, opened) {
      const won = await db
        .update(portalSessions)
        .set({
          usedAt: now,
          cookieHash: opened.cookieHash,
          sessionExpiresAt: opened.sessionExpiresAt,
        })
        .where(
          and(
            eq(portalSessions.tokenHash, tokenHash),
            isNull(portalSessions.usedAt),
            isNull(portalSessions.revokedAt),
            gt(portalSessions.expiresAt, now),
          ),
        )
        .returning();
      if (won[0]) return { ...withScope(won[0]), opened: true };
      const rows = await db
        .select()
        .from(portalSessions)
        .where(eq(portalSessions.tokenHash, tokenHash));
      return rows[0] ? { ...withScope(rows[0]), opened: false } : null;
    },

    async findPortalSessionByCookie(cookieHash, now) {
      const rows = await db
        .select()
        .from(portalSessions)
        .where(
          and(
            eq(portalSessions.cookieHash, cookieHash),
            isNull(portalSessions.revokedAt),
            gt(portalSessions.sessionExpiresAt, now),
          ),
        );
      return rows[0] ? withScope(rows[0]) : null;
    },

    async revokePortalSession(scope, id, at) {
      const rows = await db
        .update(portalSessions)
        .set({
          revokedAt: sql`coalesce(${portalSessions.revokedAt}, ${at.toISOString()}::timestamptz)`,
        })
        .where(and(inScope(portalSessions, scope), eq(portalSessions.id, id)))
        .returning();
      return rows[0] ? toSession(rows[0]) : null;
    },

    async revokeCustomerPortalSessions(scope, customerId, at) {
      const rows = await db
        .update(portalSessions)
        .set({ revokedAt: at })
        .where(
          and(
            inScope(portalSessions, scope),
            eq(portalSessions.customerId, customerId),
            isNull(portalSessions.revokedAt),
          ),
        )
        .returning({ id: portalSessions.id });
      return rows.length;
    },

    async getPortalConfiguration(scope) {
      const rows = await db
        .select()
        .from(portalConfigurations)
        .where(inScope(portalConfigurations, scope));
      const row = rows[0];
      if (!row) return null;
      // Stored whole; defaults fill any field a later version added.
      const defaults = defaultPortalConfiguration(scope.appId);
      return {
        business: { ...defaults.business, ...row.configuration.business },
        defaultReturnUrl: row.configuration.defaultReturnUrl ?? null,
        features: { ...defaults.features, ...row.configuration.features },
        updatedAt: row.updatedAt,
      };
    },

    async putPortalConfiguration(scope, configuration) {
      const { updatedAt, ...stored } = configuration;
      const at = updatedAt ?? new Date();
      await db
        .insert(portalConfigurations)
        .values({ ...scope, configuration: stored, updatedAt: at })
        .onConflictDoUpdate({
          target: [portalConfigurations.tenantId, portalConfigurations.appId],
          set: { configuration: stored, updatedAt: at },
        });
    },
  };
}
