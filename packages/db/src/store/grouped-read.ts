import type { Scope } from '@ledger/domain';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../database.js';
import { groupCommit } from './group-commit.js';
import { perHandle } from './per-handle.js';

/** Reads answered by one statement at most. */
export const MAX_READS_PER_STATEMENT = 500;

/** One read waiting for the statement that answers it. */
interface Waiting<K, R> {
  key: K;
  resolve: (answer: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Reads by key gathered as group commit gathers writes: the first waits one turn of the event
 * loop and goes with every read of the same kind that arrived meanwhile (up to
 * {@link MAX_READS_PER_STATEMENT}), answered by one statement (`readAll`: one answer per key, in
 * their order). Each statement is a write to a PostgreSQL connection and a backend woken to answer
 * it; under load one per request was the largest share of a read's CPU, on both sides. Nothing is
 * cached: each read sees what had committed when its statement ran, which is after it was asked.
 * A failed statement fails every read in it, as a lone read's failure would. Outside transactions
 * only (a transaction's reads run on its own connection), one queue per handle.
 */
export function groupedRead<K, R>(
  readAll: (db: Db, keys: readonly K[]) => Promise<R[]>,
): (db: Db) => (key: K) => Promise<R> {
  return perHandle((db: Db) => {
    // Reads hold no lock: every batch goes at once, however many are in flight.
    const enqueue = groupCommit(
      (batch: Array<Waiting<K, R>>) =>
        readAll(
          db,
          batch.map((waiting) => waiting.key),
        ).then(
          (answers) => {
            for (const [i, waiting] of batch.entries()) waiting.resolve(answers[i] as R);
          },
          (error: unknown) => {
            for (const waiting of batch) waiting.reject(error);
          },
        ),
      { inFlightAtMost: Number.POSITIVE_INFINITY, perStatement: MAX_READS_PER_STATEMENT },
    );
    return (key: K) => new Promise<R>((resolve, reject) => enqueue({ key, resolve, reject }));
  });
}

/** One key of a grouped read: whose (`id` in `scope`), and for some reads which feature. */
export interface ReadKey {
  scope: Scope;
  id: string;
  featureKey?: string;
}

/**
 * The `keys` parameter of a grouped read: `keys` as the JSON array `ledger_read_keys` (migration
 * 0018) reads, each numbered `i` by its position, so its rows can be matched back to it.
 */
export function readKeysParam(keys: readonly ReadKey[]): string {
  return JSON.stringify(
    keys.map(({ scope, id, featureKey }, i) => ({
      i,
      tenant_id: scope.tenantId,
      app_id: scope.appId,
      id,
      feature_key: featureKey,
    })),
  );
}

/** A column of `k`, the keys relation a grouped read's statement selects from. */
export const keyColumn = (column: string): SQL => sql.raw(`k.${column}`);

/**
 * The join of `table` to a grouped read's key: `k.tenant_id`, `k.app_id` and `k.<keyId>` against
 * the table's scope and `id`, so every key finds only rows of its own tenant and app.
 */
export function byKey(
  table: { tenantId: PgColumn; appId: PgColumn },
  id: PgColumn,
  keyId: string,
): SQL {
  return and(
    eq(table.tenantId, keyColumn('tenant_id')),
    eq(table.appId, keyColumn('app_id')),
    eq(id, keyColumn(keyId)),
  ) as SQL;
}
