import type {
  CardDetails,
  InvoiceFx,
  InvoiceStatus,
  InvoiceTax,
  Payment,
  TaxReason,
} from '@ledger/domain';

/**
 * An exact decimal rate as a percentage ("0.19" → "19%", "0.08625" → "8.625%"), by moving the
 * decimal point in the text: rates are exact strings and never go through floating point.
 */
export function ratePercent(rate: string): string {
  const [whole = '0', fraction = ''] = rate.split('.');
  const padded = fraction.padEnd(2, '0');
  const integer = `${whole}${padded.slice(0, 2)}`.replace(/^0+(?=\d)/, '');
  const rest = padded.slice(2).replace(/0+$/, '');
  return `${integer}${rest ? `.${rest}` : ''}%`;
}

/** Why no tax (or the reverse charge) applies, in the customer's words. */
const UNTAXED: Record<Exclude<TaxReason, 'taxable'>, string> = {
  reverse_charge: 'Reverse charge: VAT to be accounted for by the recipient.',
  exempt: 'Tax exempt: no tax is charged.',
  no_address: 'No tax is charged: there is no billing address on file.',
  unknown_jurisdiction: 'No tax is charged for the billing address on file.',
};

/**
 * The tax row of an invoice: its label ("Tax (19%, DE)") and, when no tax applies, the reason
 * in words (the reverse-charge note the customer may need for their own tax return).
 */
export function taxInWords(tax: InvoiceTax): { label: string; note: string | null } {
  if (tax.reason === 'taxable' || !(tax.reason in UNTAXED)) {
    return { label: `Tax (${ratePercent(tax.rate)}, ${tax.jurisdiction})`, note: null };
  }
  const note = UNTAXED[tax.reason as keyof typeof UNTAXED];
  return { label: tax.reason === 'reverse_charge' ? 'Tax (reverse charge)' : 'Tax', note };
}

/** The conversion an invoice was priced with, in a sentence (DOMAIN.md "FX"). */
export function fxNote(fx: InvoiceFx, currency: string): string {
  return `Prices in ${fx.from} were converted to ${currency} at ${fx.rate}, the rate as of ${fx.asOf}. Source: ${fx.source}.`;
}

const INVOICE_STATUS: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  open: 'Open',
  paid: 'Paid',
  past_due: 'Past due',
  void: 'Void',
};

/** An invoice's status as a customer reads it ("Past due"). */
export const invoiceStatusInWords = (status: InvoiceStatus): string => INVOICE_STATUS[status];

const PAYMENT_STATUS: Record<Payment['status'], string> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  pending: 'Pending',
  refunded: 'Refunded',
};

/** A payment's status as a customer reads it. */
export const paymentStatusInWords = (status: Payment['status']): string => PAYMENT_STATUS[status];

/** A card as the overview names it ("visa ending in 4242"); a card no longer known reads so. */
export function cardInWords(card: CardDetails | undefined): string {
  return card ? `${card.brand} ending in ${card.last4}` : 'Card no longer on file';
}

/** Why a payment failed, in the processor's words (its code when it gave no message). */
export function failureInWords(payment: Payment): string {
  if (payment.status !== 'failed') return '';
  return payment.failureMessage ?? payment.failureCode ?? 'The payment was declined.';
}
