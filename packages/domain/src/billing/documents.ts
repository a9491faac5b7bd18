import type { Customer } from '../customer/model.js';
import type { CardDetails } from '../payment-method/model.js';
import type { Scope } from '../scope.js';
import type { Invoice, PaymentId } from './model.js';

/**
 * Who issues the invoice or receipt, printed at its top. The portal fills it from its
 * configuration (`business.name`, `business.support_email`); until a scope has one, the
 * documents are issued in the name of the scope's app ({@link scopeBusiness}).
 */
export interface BusinessDetails {
  name: string;
  supportEmail?: string | undefined;
}

/** An invoice once finalized: it has its number (a draft has none and gets no document). */
export type FinalizedInvoice = Invoice & { number: string };

/** The customer as the documents show it: who was billed, where, and under which tax ids. */
export type DocumentCustomer = Pick<
  Customer,
  'id' | 'name' | 'email' | 'billingAddress' | 'taxIds' | 'status'
>;

/**
 * Everything an invoice PDF (or page) shows: the issuer, the finalized invoice as stored
 * (number, period, due date, lines, subtotal, tax with its reason, credit applied, FX, total,
 * amount due) and the billed customer.
 */
export interface InvoiceDocument {
  business: BusinessDetails;
  invoice: FinalizedInvoice;
  customer: DocumentCustomer;
}

/** The charge a receipt acknowledges: the invoice's succeeded payment and the card it took. */
export interface ReceiptPayment {
  id: PaymentId;
  /** Null when the payment method is no longer known (a charge recorded without one). */
  card: CardDetails | null;
  processor: string;
}

/**
 * Everything a receipt shows: the issuer, its number, the paid invoice, what was paid and when,
 * and with which card. `payment` is null when nothing was charged: credit covered the invoice.
 */
export interface ReceiptDocument {
  business: BusinessDetails;
  /** `RCPT-` + the invoice number ({@link receiptNumberOf}). */
  receiptNumber: string;
  invoice: FinalizedInvoice;
  customer: DocumentCustomer;
  amountPaid: Invoice['amountPaid'];
  paidAt: Date;
  payment: ReceiptPayment | null;
}

/** The business a scope's documents name until the portal's configuration says otherwise. */
export function scopeBusiness(scope: Scope): BusinessDetails {
  return { name: scope.appId };
}

/**
 * A paid invoice's receipt number: `RCPT-` followed by the invoice number (`RCPT-INV-000042`).
 * An invoice is paid once, so it has one receipt; deriving the number from the invoice's
 * gap-free number keeps it stable (the same receipt every time it is downloaded) without storing
 * anything, and lets a reader find the invoice a receipt belongs to.
 */
export function receiptNumberOf(invoiceNumber: string): string {
  return `RCPT-${invoiceNumber}`;
}

/** The customer fields a document prints. */
export function documentCustomer(customer: Customer): DocumentCustomer {
  const { id, name, email, billingAddress, taxIds, status } = customer;
  return { id, name, email, billingAddress, taxIds, status };
}
