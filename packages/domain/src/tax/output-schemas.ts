import { z } from 'zod';
import { CurrencyCodeSchema } from '../schemas/output-schemas.js';

/** What `getTaxRate` returns: the rate as a decimal string and its components. */
export const TaxRateSchema = z.object({
  rate: z.string(),
  jurisdiction: z.string(),
  components: z.array(z.object({ name: z.string(), rate: z.string(), jurisdiction: z.string() })),
});

/** What `getFxRates` / `setFxRates` return: the reference table with the tenant's overrides. */
export const FxRatesSchema = z.object({
  base: CurrencyCodeSchema,
  rates: z.record(z.string(), z.string()),
  source: z.string(),
  asOf: z.string(),
  overrides: z
    .object({
      base: CurrencyCodeSchema,
      rates: z.record(z.string(), z.string()),
      source: z.string().optional(),
      asOf: z.string().optional(),
    })
    .nullable(),
});
