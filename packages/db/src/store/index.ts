import type { ApiKeyStore, IdempotencyStore, Store, StoreTx } from '@ledger/domain';
import type { Db } from '../database.js';
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

function bind(db: Db, inTransaction: boolean): Store {
  return {
    ...storeTx(db),
    transaction(fn) {
      // A nested call reuses the outer transaction, so services compose without savepoints.
      if (inTransaction) return fn(bind(db, true));
      return db.transaction((tx) => fn(bind(tx as unknown as Db, true)));
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
