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

type Part = (db: Db) => object;

/** The parts of the store, each over one handle; a later part's method wins a shared name. */
const PARTS: readonly Part[] = [
  customerStore,
  balanceStore,
  paymentMethodStore,
  outboxStore,
  planStore,
  subscriptionStore,
  customerPlansStore,
  usageStore,
  invoiceStore,
  fxStore,
  webhookStore,
  portalStore,
  erasureStore,
  exportStore,
];

/** Which part makes each method, learnt once (from parts built over `db`). */
let partOf: ReadonlyMap<string, Part> | undefined;
function owners(db: Db): ReadonlyMap<string, Part> {
  partOf ??= new Map(PARTS.flatMap((part) => Object.keys(part(db)).map((name) => [name, part])));
  return partOf;
}

/** Every part over `db`, built now: the store of a handle that lives as long as the server. */
function storeTx(db: Db): StoreTx {
  return translatingUnavailable(Object.assign({}, ...PARTS.map((part) => part(db))));
}

/**
 * The store over `db` (a transaction's, or one keyed request's) with `extra`'s `transaction`, each
 * part built on first use: a transaction uses one or two of the fourteen, and building them all
 * cost a keyed POST more CPU than its statements did (with the garbage it left to collect).
 */
function lazyStore(db: Db, extra: Pick<Store, 'transaction'>): Store {
  const ownerOf = owners(db);
  const built = new Map<Part, Record<string, unknown>>();
  const has = (name: PropertyKey): name is string =>
    name === 'transaction' || (typeof name === 'string' && ownerOf.has(name));
  const methodOf = (name: PropertyKey): unknown => {
    if (name === 'transaction') return extra.transaction;
    const part = typeof name === 'string' ? ownerOf.get(name) : undefined;
    if (!part) return undefined;
    let methods = built.get(part);
    if (!methods) {
      methods = translatingUnavailable(part(db)) as Record<string, unknown>;
      built.set(part, methods);
    }
    return methods[name as string];
  };
  return new Proxy({} as Store, {
    get: (_, name) => methodOf(name),
    has: (_, name) => has(name),
    ownKeys: () => ['transaction', ...ownerOf.keys()],
    getOwnPropertyDescriptor: (_, name) =>
      has(name)
        ? { value: methodOf(name), enumerable: true, configurable: true, writable: false }
        : undefined,
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
  const store: Store = lazyStore(tx, { transaction: (fn) => fn(store) });
  return store;
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
  return lazyStore(db, {
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
  });
}
