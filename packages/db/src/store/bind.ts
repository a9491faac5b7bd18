import type { StepJournal, Store, StoreTx } from '@ledger/domain';
import type { Db } from '../database.js';
import {
  isRetryable,
  isStatementTimeout,
  isUnavailable,
  translatingUnavailable,
  unavailable,
} from '../errors.js';
import { balanceStore } from './balance.js';
import { customerPlansStore } from './customer-plans.js';
import { customerStore } from './customers.js';
import { erasureStore } from './erasure.js';
import { exportStore } from './export.js';
import { fxStore } from './fx.js';
import { invoiceStore } from './invoices.js';
import { outboxStore } from './outbox.js';
import { paymentMethodStore } from './payment-methods.js';
import { planStore } from './plans.js';
import { portalStore } from './portal.js';
import { subscriptionStore } from './subscriptions.js';
import { usageStore } from './usage.js';
import { webhookStore } from './webhooks.js';

function storeTx(db: Db): StoreTx {
  return translatingUnavailable({
    ...customerStore(db),
    ...balanceStore(db),
    ...paymentMethodStore(db),
    ...outboxStore(db),
    ...planStore(db),
    ...subscriptionStore(db),
    ...customerPlansStore(db),
    ...usageStore(db),
    ...invoiceStore(db),
    ...fxStore(db),
    ...webhookStore(db),
    ...portalStore(db),
    ...erasureStore(db),
    ...exportStore(db),
  });
}

/** Attempts of a transaction PostgreSQL aborted to break a deadlock or a serialization conflict. */
const MAX_ATTEMPTS = 4;

/** How long to wait before attempt `n + 1` of a transaction that lost its connection. */
const RECONNECT_BACKOFF_MS = 100;

/**
 * Runs `work` in a transaction, again when it cannot have committed and another try can succeed:
 * PostgreSQL aborted it for a deadlock or a serialization conflict, or the connection was lost
 * before `work` finished (COMMIT was never sent, so the database rolled it back). A connection
 * lost after that (during COMMIT) leaves the outcome unknown: that is `database_unavailable`,
 * never a second run; a keyed request's retry then finds out from its journal.
 */
async function withRetries<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let finished = false;
    try {
      return await db.transaction(async (tx) => {
        const result = await work(tx as unknown as Db);
        finished = true;
        return result;
      });
    } catch (error) {
      const lost = isUnavailable(error);
      const again = isRetryable(error) || (lost && !finished && !isStatementTimeout(error));
      if (attempt < MAX_ATTEMPTS && again) {
        // The loser of a deadlock then finds the winner's rows committed; a new connection is
        // opened for a lost one.
        const wait = lost ? RECONNECT_BACKOFF_MS * attempt : 5 * attempt + Math.random() * 20;
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      throw lost ? unavailable(error) : error;
    }
  }
}

/** A store inside a transaction: a nested call reuses it, so services compose without savepoints. */
function inside(tx: Db): Store {
  return { ...storeTx(tx), transaction: (fn) => fn(inside(tx)) };
}

/**
 * The domain's store port over a drizzle handle (PGlite or postgres.js alike). A `oneStatement`
 * unit runs without BEGIN/COMMIT: its one write commits alone, and is never run twice (a lost
 * connection leaves its outcome unknown, like a lost COMMIT).
 */
export function createStore(db: Db): Store {
  // Built once: a one-statement unit runs on the handle itself, so every such unit shares it.
  const direct = inside(db);
  return {
    ...storeTx(db),
    transaction: (fn, options) =>
      options?.oneStatement ? fn(direct) : withRetries(db, (tx) => fn(inside(tx))),
  };
}

/**
 * The store of one keyed request (see `IdempotencyStore.journaledStore`): the n-th outermost
 * transaction writes its result as step n in the same transaction, or, when the journal holds
 * step n already (an earlier attempt committed it), returns that result without running.
 */
export function journaledStore(
  db: Db,
  journal: StepJournal,
  writeStep: (tx: Db, seq: number, result: string) => Promise<void>,
): Store {
  let next = 0;
  return {
    ...storeTx(db),
    // Always a transaction (`oneStatement` or not): the step is written in it.
    async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
      const seq = next++;
      const recorded = journal.recorded.get(seq);
      if (recorded !== undefined) return journal.decode(recorded) as T;
      const result = await withRetries(db, async (tx) => {
        const value = await fn(inside(tx));
        await writeStep(tx, seq, journal.encode(value));
        return value;
      });
      await journal.afterCommit?.();
      return result;
    },
  };
}
