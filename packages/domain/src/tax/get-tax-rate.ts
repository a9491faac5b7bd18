import { z } from 'zod';
import type { ServiceContext } from '../ports.js';
import { countrySchema } from '../schemas/address.js';
import { parseInput } from '../validation.js';
import type { TaxRate } from './get-rate.js';

/** Input of `getTaxRate`: the parts of an address that decide the jurisdiction. */
export const GetTaxRateInput = z.strictObject({
  country: countrySchema,
  state: z.string().trim().max(64).optional(),
  postalCode: z.string().trim().max(32).optional(),
});
/** `GetTaxRateInput` as a caller writes it: parsing fills in defaults and normalises. */
export type GetTaxRateInput = z.input<typeof GetTaxRateInput>;

/** The tax rate of a place from the deployment's table; an unknown place is 0 and `unknown`. */
export async function getTaxRate(ctx: ServiceContext, input: GetTaxRateInput): Promise<TaxRate> {
  const address = parseInput(GetTaxRateInput, input);
  return ctx.tax.rate(address);
}
