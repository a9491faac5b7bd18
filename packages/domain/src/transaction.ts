import type { ServiceContext, StoreTx, TransactionOptions } from './ports.js';

/**
 * How a unit whose write is one statement of the store runs (a lone balance posting, a new
 * customer with its event): without BEGIN/COMMIT, so no transaction holds a row between round
 * trips (see `TransactionOptions.oneStatement`).
 */
export const ONE_STATEMENT = { oneStatement: true } as const;

/**
 * Runs a service's writes in one store transaction, then tells the event notifier, so events
 * written by the change are delivered right after it commits (and never if it rolled back).
 */
export async function inTransaction<T>(
  ctx: ServiceContext,
  fn: (tx: StoreTx) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  const result = await ctx.store.transaction(fn, options);
  ctx.events.notify();
  return result;
}
