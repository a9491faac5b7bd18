import { TAX_EXEMPT_VALUES, type TaxExempt } from '../customer/model.js';
import { LedgerError } from '../errors.js';
import { assertStorable, currencyOf, type Money } from '../money.js';
import type { Address } from '../schemas/address.js';
import { divideRounded, parseDecimal } from './decimal.js';
import { isEuMember } from './eu.js';
import {
  getRate,
  type TaxAddress,
  type TaxRateComponent,
  UNKNOWN_JURISDICTION,
} from './get-rate.js';
import type { TaxRateOverrides } from './table.js';

/**
 * Why the tax came out as it did, recorded on the invoice so a zero amount is never ambiguous:
 * `no_address` and `unknown_jurisdiction` are "we could not tell", not "nothing is due".
 */
export type TaxReason =
  | 'taxable'
  | 'exempt'
  | 'reverse_charge'
  | 'no_address'
  | 'unknown_jurisdiction';

/** The part of a customer's tax id the calculation looks at. */
export interface TaxIdRef {
  readonly type: string;
  readonly value: string;
}

/** What `calculateTax` needs from the invoice, the customer and the deployment. */
export interface CalculateTaxInput {
  readonly subtotal: Money;
  /** The customer's billing address; only country, state and postal code matter. */
  readonly address?: Address | TaxAddress | undefined;
  readonly taxExempt: TaxExempt;
  readonly taxIds: ReadonlyArray<TaxIdRef>;
  /** The seller's configured origin country (ISO alpha-2), used for the EU reverse charge. */
  readonly originCountry: string;
  readonly overrides?: TaxRateOverrides | undefined;
}

/** The invoice's `tax` block (DOMAIN.md, Billing objects), plus the components behind the rate. */
export interface TaxCalculation {
  readonly amount: Money;
  readonly rate: string;
  readonly jurisdiction: string;
  readonly components: ReadonlyArray<TaxRateComponent>;
  readonly exempt: boolean;
  readonly reason: TaxReason;
}

function checkSubtotal(subtotal: Money): void {
  currencyOf(subtotal.currency);
  if (!Number.isSafeInteger(subtotal.amount)) {
    throw new LedgerError('invalid_amount', 'The subtotal must be an integer of minor units', {
      param: ['subtotal', 'amount'],
    });
  }
}

/**
 * `subtotal × rate`, rounded half away from zero exactly once (DOMAIN.md, Money). The product is
 * formed in bigint so no digit is lost before that single rounding; a result outside the storable
 * range is `balance_out_of_range`.
 */
export function taxOn(subtotal: Money, rate: string): Money {
  checkSubtotal(subtotal);
  const { units, scale } = parseDecimal(rate);
  const product = BigInt(subtotal.amount) * units;
  const rounded = divideRounded(product, 10n ** BigInt(scale), 'halfAwayFromZero');
  const amount: Money = { amount: Number(rounded), currency: subtotal.currency };
  assertStorable(amount);
  return amount;
}

/**
 * The intra-EU B2B reverse charge: the customer has an `eu_vat` id and sits in an EU member state
 * other than the seller's, which is itself in the EU. Then the customer self-accounts for VAT and
 * the seller charges none.
 */
export function isReverseCharge(
  customerCountry: string,
  originCountry: string,
  taxIds: ReadonlyArray<TaxIdRef>,
): boolean {
  const customer = customerCountry.trim().toUpperCase();
  const origin = originCountry.trim().toUpperCase();
  const hasEuVat = taxIds.some(
    (id) => id.type.trim().toLowerCase() === 'eu_vat' && id.value.trim() !== '',
  );
  return hasEuVat && isEuMember(customer) && isEuMember(origin) && customer !== origin;
}

/**
 * `tax.calculate` from DOMAIN.md: an exempt customer pays none; a reverse-charge customer
 * (explicitly, or by the EU rule) pays none with reason `reverse_charge`; otherwise the subtotal
 * is taxed at the address's rate, rounded once. Without an address, or at an address the table
 * does not cover, the amount is zero and the reason says why.
 */
export function calculateTax(input: CalculateTaxInput): TaxCalculation {
  checkSubtotal(input.subtotal);
  if (!(TAX_EXEMPT_VALUES as ReadonlyArray<string>).includes(input.taxExempt)) {
    throw new LedgerError('invalid_input', 'taxExempt must be none, exempt or reverse', {
      param: ['taxExempt'],
    });
  }
  const place = input.address ? getRate(input.address, input.overrides) : undefined;
  const none = (reason: TaxReason, exempt: boolean): TaxCalculation => ({
    amount: { amount: 0, currency: input.subtotal.currency },
    rate: '0',
    jurisdiction: place?.jurisdiction ?? UNKNOWN_JURISDICTION,
    components: [],
    exempt,
    reason,
  });
  if (input.taxExempt === 'exempt') return none('exempt', true);
  const reverse =
    input.taxExempt === 'reverse' ||
    (input.address !== undefined &&
      isReverseCharge(input.address.country, input.originCountry, input.taxIds));
  if (reverse) return none('reverse_charge', true);
  if (!place) return none('no_address', false);
  if (place.jurisdiction === UNKNOWN_JURISDICTION) return none('unknown_jurisdiction', false);
  return {
    amount: taxOn(input.subtotal, place.rate),
    rate: place.rate,
    jurisdiction: place.jurisdiction,
    components: place.components,
    exempt: false,
    reason: 'taxable',
  };
}
