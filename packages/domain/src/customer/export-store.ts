import type { BalanceTransaction } from '../balance/model.js';
import type {
  EntitlementCheck,
  Invoice,
  Payment,
  Subscription,
  UsageEvent,
} from '../billing/model.js';
import type { LedgerEvent } from '../events/model.js';
import type { CustomerId } from '../ids.js';
import type { PaymentMethod } from '../payment-method/model.js';
import type { StoredPortalSession } from '../portal/model.js';
import type { Scope } from '../scope.js';

/** The stored rows of each exported section, as the store reads them. */
export interface ExportRows {
  balance_transaction: BalanceTransaction;
  payment_method: PaymentMethod;
  subscription: Subscription;
  invoice: Invoice;
  payment: Payment;
  usage_event: UsageEvent;
  entitlement_check: EntitlementCheck;
  event: LedgerEvent;
  portal_session: StoredPortalSession;
}

/** One of the sections an export reads in pages. */
export type ExportKind = keyof ExportRows;

/**
 * One page of a section: its rows in creation order, and the cursor to read the next page from
 * (null when this page was the last). The cursor is opaque to callers: the store decides the key.
 */
export interface ExportPage<T> {
  rows: T[];
  next: string | null;
}

/**
 * Reads a customer's records page by page for the export, so the export's memory never holds more
 * than one page whatever the customer's history (a customer can have millions of usage events).
 */
export interface ExportStore {
  /**
   * Up to `limit` rows of `kind` belonging to the customer (removed payment methods and every
   * event included), in creation order, after `after` (a cursor from the previous page, or null
   * for the first page).
   */
  listExportPage<K extends ExportKind>(
    scope: Scope,
    customerId: CustomerId,
    kind: K,
    page: { after: string | null; limit: number },
  ): Promise<ExportPage<ExportRows[K]>>;
}
