import { LedgerError } from '../errors.js';
import {
  type FxRatesOverride,
  type FxTable,
  mergeFxRates,
  REFERENCE_FX_TABLE,
} from '../fx/table.js';
import { calculateTax } from '../tax/calculate.js';
import { getRateFromTable } from '../tax/get-rate.js';
import { mergeTaxRates, TAX_RATES, type TaxRateOverrides } from '../tax/table.js';
import type { FxPort, PaymentsPort, TaxPort } from './ports.js';

/**
 * No payment processor: invoices with an amount due stay `open` until one is configured (the
 * payments issue adds Stripe and the built-in test processor).
 */
export const noPayments: PaymentsPort = {
  processor: null,
  createCustomer: async () => {
    throw new LedgerError('invalid_state', 'No payment processor is configured');
  },
  attachPaymentMethod: async () => {
    throw new LedgerError('invalid_state', 'No payment processor is configured');
  },
  detachPaymentMethod: async () => {},
  deleteCustomer: async () => {},
  charge: async () => {
    throw new LedgerError('invalid_state', 'No payment processor is configured');
  },
  refund: async () => {
    throw new LedgerError('invalid_state', 'No payment processor is configured');
  },
};

/**
 * Tax from the shipped rate table, with a deployment's overrides laid over it: the customer's
 * billing address decides the jurisdiction, tax ids and `taxExempt` decide exemptions;
 * `originCountry` is the seller's, for EU reverse charge.
 */
export function builtInTax(originCountry: string, overrides?: TaxRateOverrides): TaxPort {
  const table = overrides ? mergeTaxRates(TAX_RATES, overrides) : TAX_RATES;
  return {
    rate: (address) => getRateFromTable(table, address),
    async calculate({ subtotal, customer }) {
      const result = calculateTax({
        subtotal,
        address: customer.billingAddress ?? undefined,
        taxExempt: customer.taxExempt,
        taxIds: customer.taxIds,
        originCountry,
        overrides,
      });
      return {
        amount: result.amount,
        rate: result.rate,
        jurisdiction: result.jurisdiction,
        exempt: result.exempt,
        reason: result.reason,
      };
    },
  };
}

/**
 * Conversion over a reference table (the shipped one unless the deployment passes its own) with
 * each tenant's overrides laid over it.
 */
export function tableFx(reference: FxTable = REFERENCE_FX_TABLE): FxPort {
  const table = (overrides: FxRatesOverride | null) =>
    overrides ? mergeFxRates(reference, overrides) : reference;
  return { table };
}

/** Conversion at the shipped reference rates plus tenant overrides. */
export const referenceFx: FxPort = tableFx();
