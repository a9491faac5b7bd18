import type { CustomerId, PaymentMethodId } from '../ids.js';

/** What the processor tells about a card; never its number. */
export interface CardDetails {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  country: string | null;
}

/** A customer's payment method. Removed ones stay (`removedAt`) for payment history. */
export interface PaymentMethod {
  id: PaymentMethodId;
  customerId: CustomerId;
  processor: string;
  processorId: string;
  type: 'card';
  card: CardDetails;
  createdAt: Date;
  removedAt: Date | null;
}
