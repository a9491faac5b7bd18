import type { ErasureStore } from '@ledger/domain';
import { and, asc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import {
  customers,
  events,
  idempotencyKeys,
  idempotencySteps,
  paymentMethods,
  portalSessions,
  processorCustomers,
  webhookDeliveries,
} from '../schema/index.js';
import { inScope } from './scope.js';

/** Rows read per page while rewriting copies, so a long history is not held in memory at once. */
const PAGE = 500;

/** Where erasure finds and rewrites each copy of a customer's data, in the caller's transaction. */
export function erasureStore(db: Db): ErasureStore {
  return {
    async eraseCustomerRecords(scope, erased) {
      await db
        .update(customers)
        .set({
          name: erased.name,
          email: erased.email,
          billingAddress: erased.billingAddress,
          taxIds: erased.taxIds,
          metadata: erased.metadata,
          updatedAt: erased.updatedAt,
          erasedAt: erased.erasedAt,
        })
        .where(and(inScope(customers, scope), eq(customers.id, erased.id)));
      // Only the brand stays of its cards, removed ones included.
      await db
        .update(paymentMethods)
        .set({
          card: sql`CASE WHEN ${paymentMethods.card} IS NULL THEN NULL ELSE jsonb_build_object('brand', ${paymentMethods.card}->'brand', 'last4', '****', 'expMonth', 0, 'expYear', 0, 'country', NULL) END`,
        })
        .where(and(inScope(paymentMethods, scope), eq(paymentMethods.customerId, erased.id)));
      await db
        .delete(portalSessions)
        .where(and(inScope(portalSessions, scope), eq(portalSessions.customerId, erased.id)));
      // What receivers answered to its events may echo them back.
      await db
        .update(webhookDeliveries)
        .set({ responseExcerpt: null })
        .where(
          and(
            inScope(webhookDeliveries, scope),
            eq(webhookDeliveries.customerId, erased.id),
            isNotNull(webhookDeliveries.responseExcerpt),
          ),
        );
    },

    async rewriteCustomerEvents(scope, customerId, rewrite) {
      for (let after = -1; ; ) {
        const rows = await db
          .select({ id: events.id, position: events.position, payload: events.payload })
          .from(events)
          .where(
            and(
              inScope(events, scope),
              eq(events.customerId, customerId),
              gt(events.position, after),
            ),
          )
          .orderBy(asc(events.position))
          .limit(PAGE);
        for (const row of rows) {
          const next = rewrite(row.payload);
          if (next === null) continue;
          await db
            .update(events)
            .set({ payload: next })
            .where(and(inScope(events, scope), eq(events.id, row.id)));
        }
        const last = rows.at(-1);
        if (!last || rows.length < PAGE) return;
        after = last.position;
      }
    },

    async rewriteKeptResponses(scope, rewrite) {
      for (let after = ''; ; ) {
        const rows = await db
          .select({ key: idempotencyKeys.key, body: idempotencyKeys.responseBody })
          .from(idempotencyKeys)
          .where(
            and(
              inScope(idempotencyKeys, scope),
              isNotNull(idempotencyKeys.responseBody),
              gt(idempotencyKeys.key, after),
            ),
          )
          .orderBy(asc(idempotencyKeys.key))
          .limit(PAGE);
        for (const row of rows) {
          const next = row.body === null ? null : rewrite(row.body);
          if (next === null) continue;
          await db
            .update(idempotencyKeys)
            .set({ responseBody: next })
            .where(and(inScope(idempotencyKeys, scope), eq(idempotencyKeys.key, row.key)));
        }
        const last = rows.at(-1);
        if (!last || rows.length < PAGE) return;
        after = last.key;
      }
    },

    async forgetStepsMentioning(scope, text) {
      const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      await db.execute(sql`
        DELETE FROM ${idempotencySteps}
        WHERE tenant_id = ${scope.tenantId} AND app_id = ${scope.appId}
          AND key IN (SELECT key FROM ${idempotencySteps}
            WHERE tenant_id = ${scope.tenantId} AND app_id = ${scope.appId}
              AND result LIKE ${pattern})`);
    },

    async listProcessorCustomers(scope, customerId) {
      return db
        .select({
          processor: processorCustomers.processor,
          externalId: processorCustomers.externalId,
        })
        .from(processorCustomers)
        .where(
          and(inScope(processorCustomers, scope), eq(processorCustomers.customerId, customerId)),
        );
    },

    async forgetProcessorCustomer(scope, customerId, processor) {
      await db
        .delete(processorCustomers)
        .where(
          and(
            inScope(processorCustomers, scope),
            eq(processorCustomers.customerId, customerId),
            eq(processorCustomers.processor, processor),
          ),
        );
    },
  };
}
