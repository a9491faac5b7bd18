import {
  CustomerIdInput,
  CustomerSchema,
  FxRatesOverrideSchema,
  FxRatesSchema,
  GetTaxRateInput,
  getFxRates,
  getTaxRate,
  setFxRates,
  TaxRateSchema,
  verifyTaxIds,
} from '@ledger/domain';
import { z } from 'zod';
import { operation } from '../operation.js';

/** Tax rates, tax id verification and FX rates. */
export const taxFxOperations = [
  operation({
    operationId: 'verifyCustomerTaxIds',
    method: 'post',
    path: '/customers/{id}/tax-ids/verify',
    summary: 'Verify the customer’s tax ids with the configured verifier',
    description:
      'Each id ends `verified`, `unverified` or `unavailable` (the verifier could not answer); billing is never blocked by it.',
    tag: 'Tax and FX',
    input: CustomerIdInput,
    from: 'none',
    pathParams: { id: 'customerId' },
    status: 200,
    output: CustomerSchema,
    errors: ['customer_not_found', 'customer_deleted'],
    run: verifyTaxIds,
  }),
  operation({
    operationId: 'getTaxRate',
    method: 'get',
    path: '/tax/rate',
    summary: 'Tax rate of a place',
    description:
      'Rates are decimal strings; an unknown place is rate "0" in jurisdiction "unknown".',
    tag: 'Tax and FX',
    input: GetTaxRateInput,
    from: 'query',
    status: 200,
    output: TaxRateSchema,
    errors: ['invalid_country'],
    run: async (ctx, input) => {
      const { rate, jurisdiction, components } = await getTaxRate(ctx, input);
      return { rate, jurisdiction, components: [...components] };
    },
  }),
  operation({
    operationId: 'getFxRates',
    method: 'get',
    path: '/fx/rates',
    summary: 'FX rates in force (reference plus your overrides)',
    tag: 'Tax and FX',
    input: z.strictObject({}),
    from: 'none',
    status: 200,
    output: FxRatesSchema,
    errors: [],
    run: (ctx) => getFxRates(ctx),
  }),
  operation({
    operationId: 'setFxRates',
    method: 'put',
    path: '/fx/rates',
    summary: 'Set your FX rate overrides',
    description:
      'Rates are decimal strings: units of each currency per 1 `base`. They replace your previous overrides.',
    tag: 'Tax and FX',
    input: FxRatesOverrideSchema,
    from: 'body',
    status: 200,
    output: FxRatesSchema,
    errors: ['invalid_currency'],
    run: setFxRates,
  }),
];
