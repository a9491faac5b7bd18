import type { ServiceContext, StoreTx, TransactionOptions } from './ports.js';

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
