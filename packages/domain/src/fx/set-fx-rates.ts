import type { z } from 'zod';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { type FxRatesView, fxRatesView } from './fx-rates-view.js';
import { FxRatesOverrideSchema } from './table.js';

/** Input of `setFxRates`: `{base, rates: {CODE: "decimal"}, source?, asOf?}`. */
export type SetFxRatesInput = z.input<typeof FxRatesOverrideSchema>;

/**
 * Sets the caller's own FX rates, replacing its previous overrides; they take effect for invoices
 * generated from now on (finalized invoices keep the rate they recorded). Rates are positive
 * decimal strings; a base other than the reference's is rebased exactly, or refused when the
 * reference cannot relate it.
 */
export async function setFxRates(
  ctx: ServiceContext,
  input: SetFxRatesInput,
): Promise<FxRatesView> {
  const overrides = parseInput(FxRatesOverrideSchema, input);
  const table = ctx.fx.table(overrides); // refuses rates that cannot be laid over the reference
  await inTransaction(ctx, (tx) => tx.saveFxOverrides(ctx.scope, overrides, ctx.clock.now()));
  return fxRatesView(table, overrides);
}
