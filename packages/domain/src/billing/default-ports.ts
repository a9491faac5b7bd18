import { LedgerError } from '../errors.js';
import { convert } from '../fx/convert.js';
import { calculateTax } from '../tax/calculate.js';
import type { FxPort, PaymentsPort, TaxPort } from './ports.js';

/**
 * No payment processor: invoices with an amount due stay `open` until one is configured (the
 * payments issue adds Stripe and the built-in test processor).
 */
export const noPayments: PaymentsPort = {
  processor: null,
  attachPaymentMethod: async () => {
    throw new LedgerError('invalid_state', 'No payment processor is configured');
  },
  detachPaymentMethod: async () => {},
  charge: async () => {
    throw new LedgerError('invalid_state', 'No payment processor is configured');
  },
};

/**
 * Tax from the shipped rate table: the customer's billing address decides the jurisdiction, tax
 * ids and `taxExempt` decide exemptions; `originCountry` is the seller's, for EU reverse charge.
 */
export function builtInTax(originCountry: string): TaxPort {
  return {
    async calculate({ subtotal, customer }) {
      const result = calculateTax({
        subtotal,
        address: customer.billingAddress ?? undefined,
        taxExempt: customer.taxExempt,
        taxIds: customer.taxIds,
        originCountry,
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

/** Conversion at the shipped reference rates (tenant overrides come with the FX routes). */
export const referenceFx: FxPort = {
  async convert(_scope, money, to) {
    const result = convert(money, to);
    return {
      amount: result.amount,
      rate: result.rate,
      exactRate: result.exactRate,
      source: result.source,
      asOf: result.asOf,
    };
  },
};
