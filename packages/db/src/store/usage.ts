import type { BillingStore } from '@ledger/domain';
import { and, desc, eq, gte, lt, lte, sql, sum } from 'drizzle-orm';
import type { Db } from '../database.js';
import { entitlementChecks, usageEvents } from '../schema/index.js';
import { inScope } from './scope.js';

type UsageMethods = 'insertUsageEvent' | 'sumUsage' | 'latestUsage' | 'insertEntitlementCheck';

/** Usage and entitlement checks over either driver. */
export function usageStore(db: Db): Pick<BillingStore, UsageMethods> {
  return {
    async insertUsageEvent(scope, event) {
      // A no-op update on conflict makes RETURNING give the stored row; xmax = 0 marks a fresh insert.
      const rows = await db
        .insert(usageEvents)
        .values({ ...scope, ...event })
        .onConflictDoUpdate({
          target: [usageEvents.tenantId, usageEvents.appId, usageEvents.idempotencyKey],
          set: { idempotencyKey: sql`excluded.idempotency_key` },
        })
        .returning({ id: usageEvents.id, inserted: sql<boolean>`(xmax = 0)` });
      const row = rows[0];
      return { id: row?.id ?? event.id, inserted: row?.inserted ?? true };
    },
    async sumUsage(scope, customerId, featureKey, from, to) {
      const rows = await db
        .select({ total: sum(usageEvents.quantity).mapWith(Number) })
        .from(usageEvents)
        .where(
          and(
            inScope(usageEvents, scope),
            eq(usageEvents.customerId, customerId),
            eq(usageEvents.featureKey, featureKey),
            gte(usageEvents.timestamp, from),
            lt(usageEvents.timestamp, to),
          ),
        );
      return rows[0]?.total ?? 0;
    },
    async latestUsage(scope, customerId, featureKey, until) {
      const rows = await db
        .select({ quantity: usageEvents.quantity })
        .from(usageEvents)
        .where(
          and(
            inScope(usageEvents, scope),
            eq(usageEvents.customerId, customerId),
            eq(usageEvents.featureKey, featureKey),
            lte(usageEvents.timestamp, until),
          ),
        )
        .orderBy(desc(usageEvents.timestamp), desc(usageEvents.id))
        .limit(1);
      return rows[0]?.quantity ?? 0;
    },
    async insertEntitlementCheck(scope, check) {
      await db.insert(entitlementChecks).values({ ...scope, ...check });
    },
  };
}
