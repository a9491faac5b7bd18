import type { CustomerId, PaymentMethodId, PaymentMethodStore, Scope } from '@ledger/domain';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../database.js';
import { paymentMethods } from '../schema/index.js';

function methodScope(scope: Scope) {
  return and(eq(paymentMethods.tenantId, scope.tenantId), eq(paymentMethods.appId, scope.appId));
}

/** Payment methods, as far as the customer core needs them. */
export function paymentMethodStore(db: Db): PaymentMethodStore {
  return {
    async getPaymentMethod(scope, id) {
      const rows = await db
        .select({
          id: paymentMethods.id,
          customerId: paymentMethods.customerId,
          removedAt: paymentMethods.removedAt,
        })
        .from(paymentMethods)
        .where(and(methodScope(scope), eq(paymentMethods.id, id)));
      const row = rows[0];
      return row
        ? {
            id: row.id as PaymentMethodId,
            customerId: row.customerId as CustomerId,
            removedAt: row.removedAt ?? null,
          }
        : null;
    },

    async removeAllPaymentMethods(scope, customerId, at) {
      const rows = await db
        .update(paymentMethods)
        .set({ removedAt: at })
        .where(
          and(
            methodScope(scope),
            eq(paymentMethods.customerId, customerId),
            isNull(paymentMethods.removedAt),
          ),
        )
        .returning({ id: paymentMethods.id });
      return rows.map((row) => row.id as PaymentMethodId).sort();
    },
  };
}
