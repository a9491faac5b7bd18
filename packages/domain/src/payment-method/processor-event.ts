import type { Scope } from '../scope.js';

/**
 * A processor webhook event, already verified and reduced to what Ledger acts on. The Stripe
 * adapter maps `payment_intent.succeeded`, `payment_intent.payment_failed`, `charge.refunded` and
 * `payment_method.detached` to these; other types are not delivered here.
 */
export type ProcessorEvent = { id: string; processor: string } & (
  | {
      kind: 'payment_succeeded' | 'payment_failed';
      /** The processor's payment reference (a PaymentIntent id). */
      paymentRef: string;
      /** Where Ledger created the charge: scope and invoice, from the charge's metadata. */
      origin: { scope: Scope; invoiceId: string; paymentMethodId: string | null } | null;
      failureCode?: string;
      failureMessage?: string;
    }
  | { kind: 'payment_refunded'; paymentRef: string }
  | { kind: 'method_detached'; methodRef: string }
);
