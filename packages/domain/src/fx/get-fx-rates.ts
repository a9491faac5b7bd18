import type { ServiceContext } from '../ports.js';
import { type FxRatesView, fxRatesView } from './fx-rates-view.js';

/** The FX rates the caller's invoices convert with (reference table plus its overrides). */
export async function getFxRates(ctx: ServiceContext): Promise<FxRatesView> {
  const overrides = await ctx.store.getFxOverrides(ctx.scope);
  return fxRatesView(ctx.fx.table(overrides), overrides);
}
