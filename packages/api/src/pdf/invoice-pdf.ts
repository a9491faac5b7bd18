import type { InvoiceDocument, InvoiceStatus } from '@ledger/domain';
import { customerLines, drawLines, drawNotes, drawTotals, periodText } from './invoice-parts.js';
import { dateText, moneyText, Sheet } from './sheet.js';

const STATUS_TEXT: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  open: 'Open',
  past_due: 'Past due',
  paid: 'Paid',
  void: 'Void',
};

/** When the invoice was issued: finalizing sets its due date (due at once), a draft had none. */
function issuedAt(invoice: InvoiceDocument['invoice']): Date {
  return invoice.dueDate ?? invoice.createdAt;
}

/** The invoice's dates and state, as label–value pairs beside the customer block. */
function facts(doc: InvoiceDocument): Array<[string, string]> {
  const { invoice } = doc;
  const pairs: Array<[string, string]> = [
    ['Invoice number', invoice.number],
    ['Status', STATUS_TEXT[invoice.status]],
    ['Date of issue', dateText(issuedAt(invoice))],
    ['Billing period', periodText(invoice.periodStart, invoice.periodEnd)],
  ];
  if (invoice.dueDate) pairs.push(['Due date', dateText(invoice.dueDate)]);
  if (invoice.paidAt) pairs.push(['Paid on', dateText(invoice.paidAt)]);
  if (invoice.voidedAt) pairs.push(['Voided on', dateText(invoice.voidedAt)]);
  return pairs;
}

/**
 * An invoice as a PDF: the business, number and dates, the customer's name, address and tax ids,
 * every line, subtotal, tax (rate and jurisdiction, or why there is none, with the reverse-charge
 * wording), credit applied, total, amount due and the FX note (PORTAL.md "PDFs"). Standard fonts
 * only and the invoice's own issue date as the PDF's, so the same invoice gives the same bytes.
 */
export async function invoicePdf(doc: InvoiceDocument): Promise<Uint8Array> {
  const { business, invoice, customer } = doc;
  const sheet = await Sheet.open({
    title: `Invoice ${invoice.number}`,
    subject: `Invoice for ${customer.name}`,
    author: business.name,
    date: issuedAt(invoice),
  });
  sheet.header(business, 'Invoice');
  sheet.columns('Bill to', customerLines(customer), facts(doc));
  drawLines(sheet, invoice);
  drawTotals(sheet, invoice);
  if (invoice.amountPaid.amount > 0) sheet.total('Amount paid', moneyText(invoice.amountPaid));
  drawNotes(sheet, invoice, customer);
  if (business.supportEmail) {
    sheet.gap(10);
    sheet.paragraph(`Questions about this invoice? Write to ${business.supportEmail}.`, {
      size: 9,
      muted: true,
    });
  }
  return sheet.finish();
}
