import type { ApiKeyStore, IdempotencyStore, Store, StoreTx } from '@ledger/domain';
import type { Db } from '../database.js';
import { isRetryable } from '../errors.js';
import { balanceStore } from './balance.js';
import { customerStore } from './customers.js';
import { fxStore } from './fx.js';
import { invoiceStore } from './invoices.js';
import { outboxStore } from './outbox.js';
import { paymentMethodStore } from './payment-methods.js';
import { planStore } from './plans.js';
import { apiKeyStore, idempotencyStore } from './platform.js';
import { subscriptionStore } from './subscriptions.js';
import { usageStore } from './usage.js';

function storeTx(db: Db): StoreTx {
  return {
    ...customerStore(db),
    ...balanceStore(db),
    ...paymentMethodStore(db),
    ...outboxStore(db),
    ...planStore(db),
    ...subscriptionStore(db),
    ...usageStore(db),
    ...invoiceStore(db),
    ...fxStore(db),
  };
}

/** Attempts of a transaction PostgreSQL aborted to break a deadlock or a serialization conflict. */
const MAX_ATTEMPTS = 4;

function bind(db: Db, inTransaction: boolean): Store {
  return {
    ...storeTx(db),
    async transaction(fn) {
      // A nested call reuses the outer transaction, so services compose without savepoints.
      if (inTransaction) return fn(bind(db, true));
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction((tx) => fn(bind(tx as unknown as Db, true)));
        } catch (error) {
          // The whole transaction rolled back, so running it again is safe; the loser of a
          // deadlock then finds the winner's rows committed.
          if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
        }
      }
    },
  };
}

/** The domain's store port over a drizzle handle (PGlite or postgres.js alike). */
export function createStore(db: Db): Store {
  return bind(db, false);
}

/** The platform stores the api package needs: API keys and idempotency records. */
export function createPlatformStore(db: Db): ApiKeyStore & IdempotencyStore {
  return { ...apiKeyStore(db), ...idempotencyStore(db) };
}
