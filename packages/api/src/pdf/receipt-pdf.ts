import type { ReceiptDocument } from '@ledger/domain';
import { customerLines, drawLines, drawNotes, drawTotals } from './invoice-parts.js';
import { dateText, moneyText, Sheet } from './sheet.js';

/** Card brands as their owners write them; others are shown capitalised. */
const BRANDS: Record<string, string> = {
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

/** "Visa ending in 4242", or what paid instead of a card. */
export function paymentMethodText(doc: ReceiptDocument): string {
  const { payment } = doc;
  if (!payment) return 'Account credit';
  if (!payment.card) return `Card (${payment.processor})`;
  const { brand, last4 } = payment.card;
  const name = BRANDS[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
  return `${name} ending in ${last4}`;
}

/**
 * A paid invoice's receipt as a PDF: the business, the receipt number (`RCPT-` + the invoice
 * number), the amount paid, the date, the card's brand and last 4, and what was paid for (PORTAL.md
 * "PDFs"). Dated by the payment, so the same receipt gives the same bytes.
 */
export async function receiptPdf(doc: ReceiptDocument): Promise<Uint8Array> {
  const { business, invoice, customer } = doc;
  const sheet = await Sheet.open({
    title: `Receipt ${doc.receiptNumber}`,
    subject: `Receipt for invoice ${invoice.number}`,
    author: business.name,
    date: doc.paidAt,
  });
  sheet.header(business, 'Receipt');
  sheet.columns('Received from', customerLines(customer), [
    ['Receipt number', doc.receiptNumber],
    ['Invoice number', invoice.number],
    ['Date paid', dateText(doc.paidAt)],
    ['Payment method', paymentMethodText(doc)],
  ]);
  sheet.paragraph(`${moneyText(doc.amountPaid)} paid on ${dateText(doc.paidAt)}`, {
    size: 16,
    bold: true,
  });
  sheet.gap(12);
  drawLines(sheet, invoice);
  drawTotals(sheet, invoice);
  sheet.total('Amount paid', moneyText(doc.amountPaid), { bold: true });
  drawNotes(sheet, invoice, customer);
  sheet.gap(10);
  sheet.paragraph(
    business.supportEmail
      ? `Thank you. Questions about this payment? Write to ${business.supportEmail}.`
      : 'Thank you for your payment.',
    { size: 9, muted: true },
  );
  return sheet.finish();
}
