import type {
  CustomerId,
  PaymentMethod,
  PaymentMethodId,
  PaymentMethodStore,
} from '@ledger/domain';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../database.js';
import { paymentMethods, processorCustomers } from '../schema/index.js';
import { inScope } from './scope.js';

type Row = typeof paymentMethods.$inferSelect;

/** A payment method row as the domain model; shared with the export. */
export function toMethod(row: Row): PaymentMethod {
  return {
    id: row.id as PaymentMethodId,
    customerId: row.customerId as CustomerId,
    processor: row.processor,
    processorId: row.processorId,
    type: 'card',
    card: {
      brand: row.card?.brand ?? 'unknown',
      last4: row.card?.last4 ?? '',
      expMonth: row.card?.expMonth ?? 0,
      expYear: row.card?.expYear ?? 0,
      country: row.card?.country ?? null,
    },
    createdAt: row.createdAt,
    removedAt: row.removedAt ?? null,
  };
}

/** Payment methods and processor customers over either driver. */
export function paymentMethodStore(db: Db): PaymentMethodStore {
  return {
    async getPaymentMethod(scope, id) {
      const rows = await db
        .select()
        .from(paymentMethods)
        .where(and(inScope(paymentMethods, scope), eq(paymentMethods.id, id)));
      return rows[0] ? toMethod(rows[0]) : null;
    },
    async insertPaymentMethod(scope, method) {
      await db.insert(paymentMethods).values({
        ...scope,
        ...method,
        card: { ...method.card, country: method.card.country ?? undefined },
      });
    },
    async listPaymentMethods(scope, customerId) {
      const rows = await db
        .select()
        .from(paymentMethods)
        .where(
          and(
            inScope(paymentMethods, scope),
            eq(paymentMethods.customerId, customerId),
            isNull(paymentMethods.removedAt),
          ),
        )
        .orderBy(asc(paymentMethods.id));
      return rows.map(toMethod);
    },
    async removePaymentMethod(scope, id, at) {
      const rows = await db
        .update(paymentMethods)
        .set({ removedAt: at })
        .where(
          and(
            inScope(paymentMethods, scope),
            eq(paymentMethods.id, id),
            isNull(paymentMethods.removedAt),
          ),
        )
        .returning({ id: paymentMethods.id });
      return rows.length > 0;
    },
    async removeAllPaymentMethods(scope, customerId, at) {
      const rows = await db
        .update(paymentMethods)
        .set({ removedAt: at })
        .where(
          and(
            inScope(paymentMethods, scope),
            eq(paymentMethods.customerId, customerId),
            isNull(paymentMethods.removedAt),
          ),
        )
        .returning();
      return rows.map(toMethod).sort((a, b) => a.id.localeCompare(b.id));
    },
    async findPaymentMethodByProcessorId(processor, processorId) {
      const rows = await db
        .select()
        .from(paymentMethods)
        .where(
          and(eq(paymentMethods.processor, processor), eq(paymentMethods.processorId, processorId)),
        )
        .limit(1);
      const row = rows[0];
      return row
        ? { scope: { tenantId: row.tenantId, appId: row.appId }, method: toMethod(row) }
        : null;
    },
    async getProcessorCustomer(scope, customerId, processor) {
      const rows = await db
        .select({ externalId: processorCustomers.externalId })
        .from(processorCustomers)
        .where(
          and(
            inScope(processorCustomers, scope),
            eq(processorCustomers.customerId, customerId),
            eq(processorCustomers.processor, processor),
          ),
        );
      return rows[0]?.externalId ?? null;
    },
    async saveProcessorCustomer(scope, customerId, processor, externalId) {
      await db
        .insert(processorCustomers)
        .values({ ...scope, customerId, processor, externalId, createdAt: new Date() })
        .onConflictDoNothing();
      return (await this.getProcessorCustomer(scope, customerId, processor)) ?? externalId;
    },
  };
}
