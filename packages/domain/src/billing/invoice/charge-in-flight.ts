import { LedgerError } from '../../errors.js';
import type { Invoice } from '../model.js';

/**
 * How long a charge mark (`chargeInFlightSince`) holds void off. A processor call ends well
 * within it (Stripe: `STRIPE_TIMEOUT_MS`, 20 s by default, times the SDK's 3 tries), so only a
 * process that died mid-charge, or a processor that kept the request longer than this, leaves a
 * mark this old; it must not block void for ever. A charge that still lands after void is
 * settled as a payment for an invoice no longer owed (`settleStalePayment`).
 */
export const CHARGE_LEASE_MS = 5 * 60 * 1000;

/** When the invoice's in-flight charge stops holding void off, or null when none is marked. */
export function chargeLeaseEnd(invoice: Invoice): Date | null {
  return invoice.chargeInFlightSince
    ? new Date(invoice.chargeInFlightSince.getTime() + CHARGE_LEASE_MS)
    : null;
}

/**
 * Refuses with `invoice_payment_in_progress` (409) while a charge of the invoice is at the
 * processor (marked, lease not run out): `what` (void) would otherwise commit while money may
 * still be taken for it. The caller holds the invoice row locked, the same lock under which
 * the collection marks its charge, so the two cannot interleave.
 */
export function assertNoChargeInFlight(invoice: Invoice, now: Date, what: string): void {
  const until = chargeLeaseEnd(invoice);
  if (!until || until.getTime() <= now.getTime()) return;
  throw new LedgerError(
    'invoice_payment_in_progress',
    `Cannot ${what} while its charge is in flight at the payment processor: retry once the charge has settled, at the latest after ${until.toISOString()}`,
    {
      details: {
        invoice_id: invoice.id,
        charge_in_flight_since: invoice.chargeInFlightSince?.toISOString() ?? null,
        retry_after: until.toISOString(),
      },
    },
  );
}
