import {
  type DocumentCustomer,
  formatRate,
  type Invoice,
  isEuMember,
  type Money,
} from '@ledger/domain';
import { addressLines, dateText, moneyText, type Sheet, taxIdText } from './sheet.js';

/** The customer block: name, email, billing address, then each tax id. */
export function customerLines(customer: DocumentCustomer): string[] {
  return [
    customer.name,
    // An erased customer has no email left to print.
    ...(customer.email === null ? [] : [customer.email]),
    ...addressLines(customer.billingAddress),
    ...customer.taxIds.map(taxIdText),
  ];
}

/** "March 1, 2026 – April 1, 2026": a billing period (its end is when the next one starts). */
export function periodText(start: Date, end: Date): string {
  return `${dateText(start)} – ${dateText(end)}`;
}

/** True when the EU's reverse charge explains the zero VAT: an EU customer with an EU VAT id. */
function euReverseCharge(customer: DocumentCustomer): boolean {
  const country = customer.billingAddress?.country;
  return (
    country !== undefined &&
    isEuMember(country) &&
    customer.taxIds.some((taxId) => taxId.type === 'eu_vat')
  );
}

/** The tax row's label: rate and jurisdiction when taxed, otherwise what the reason says. */
function taxLabel(tax: Invoice['tax']): string {
  switch (tax.reason) {
    case 'reverse_charge':
      return 'Tax (reverse charge)';
    case 'exempt':
      return 'Tax (exempt)';
    case 'no_address':
      return 'Tax (not calculated)';
    default:
      return `Tax (${formatRate(tax.rate)}, ${tax.jurisdiction})`;
  }
}

/**
 * The sentence a zero tax owes its reader (DOMAIN.md "Tax": a zero is never ambiguous): the
 * reverse charge names who accounts for the VAT (and the EU directive's article when the EU rule
 * is why), an exemption says so, and "could not tell" cases say what was missing.
 */
export function taxNote(invoice: Invoice, customer: DocumentCustomer): string | null {
  switch (invoice.tax.reason) {
    case 'reverse_charge': {
      const vat = customer.taxIds.find((taxId) => taxId.type === 'eu_vat');
      return euReverseCharge(customer)
        ? `Reverse charge: VAT to be accounted for by the customer (Article 196, Council Directive 2006/112/EC). Customer VAT number: ${vat?.value ?? ''}.`
        : 'Reverse charge: the tax due on this supply is to be accounted for by the customer.';
    }
    case 'exempt':
      return 'The customer is exempt from tax: no tax is charged.';
    case 'no_address':
      return 'No tax was calculated: the customer had no billing address.';
    case 'unknown_jurisdiction':
      return `No tax was calculated: no tax rate is known for the billing address (${invoice.tax.jurisdiction}).`;
    default:
      return null;
  }
}

/** The FX note: the currency the plan is priced in and the rate the amounts were converted at. */
export function fxNote(invoice: Invoice): string | null {
  const { fx } = invoice;
  if (!fx) return null;
  return `Prices converted from ${fx.from} to ${invoice.currency} at 1 ${fx.from} = ${fx.rate} ${invoice.currency} (${fx.source}, rates as of ${fx.asOf}).`;
}

const negated = (money: Money): Money => ({ ...money, amount: -money.amount });

/** The lines table: each line's description, quantity and amount, its period when its own. */
export function drawLines(sheet: Sheet, invoice: Invoice): void {
  sheet.tableHead(['Description', 'Qty', 'Amount']);
  const invoicePeriod = periodText(invoice.periodStart, invoice.periodEnd);
  for (const line of invoice.lineItems) {
    const period = periodText(line.periodStart, line.periodEnd);
    sheet.tableRow(
      line.description,
      String(line.quantity),
      moneyText(line.amount),
      period === invoicePeriod ? undefined : period,
    );
  }
  sheet.rule();
}

/**
 * Subtotal, tax, total, then the credit applied (a debt carried over shows as added) and the
 * amount due: total − credit applied = amount due, as the invoice's own sums say.
 */
export function drawTotals(sheet: Sheet, invoice: Invoice): void {
  sheet.total('Subtotal', moneyText(invoice.subtotal));
  sheet.total(taxLabel(invoice.tax), moneyText(invoice.tax.amount));
  sheet.total('Total', moneyText(invoice.total), { bold: true });
  if (invoice.creditApplied.amount > 0) {
    sheet.total('Credit applied', moneyText(negated(invoice.creditApplied)));
  } else if (invoice.creditApplied.amount < 0) {
    sheet.total('Balance carried over', moneyText(negated(invoice.creditApplied)));
  }
  sheet.total('Amount due', moneyText(invoice.amountDue), { bold: true });
}

/** The notes under the totals: tax and FX, each when it has something to say. */
export function drawNotes(sheet: Sheet, invoice: Invoice, customer: DocumentCustomer): void {
  const notes = [taxNote(invoice, customer), fxNote(invoice)].filter(
    (note): note is string => note !== null,
  );
  if (notes.length === 0) return;
  sheet.gap(10);
  for (const note of notes) sheet.paragraph(note, { size: 9, muted: true });
}
