import {
  type CustomerIdInput,
  type GetTaxRateInput,
  getFxRates,
  getTaxRate,
  type SetFxRatesInput,
  setFxRates,
  verifyTaxIds,
} from '@ledger/domain';
import { procedure, router, typed } from '../init.js';

/** `tax.*`. */
export const taxRouter = router({
  rate: procedure
    .input(typed<GetTaxRateInput>())
    .query(({ ctx, input }) => getTaxRate(ctx.services, input)),
});

/** `fx.*`: the caller's rates (reference plus its overrides). */
export const fxRouter = router({
  get: procedure.query(({ ctx }) => getFxRates(ctx.services)),
  set: procedure
    .input(typed<SetFxRatesInput>())
    .mutation(({ ctx, input }) => setFxRates(ctx.services, input)),
});

/** `customer.taxIds.*`. */
export const taxIdRouter = router({
  verify: procedure
    .input(typed<CustomerIdInput>())
    .mutation(({ ctx, input }) => verifyTaxIds(ctx.services, input)),
});
