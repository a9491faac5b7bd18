import { recordCustomerEvent } from '../events/record-event.js';
import { detachQuietly } from '../payment-method/detach.js';
import type { PaymentMethod } from '../payment-method/model.js';
import type { ServiceContext, StoreTx } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import { deleteLoadedCustomer } from './delete-customer.js';
import { erasedEventPayload, erasedKeptResponse } from './erase-copies.js';
import { loadCustomer } from './load-customer.js';
import { type Customer, ERASED_CUSTOMER_NAME } from './model.js';
import { EraseCustomerInput } from './schemas.js';

/** The erased profile: placeholders keep the record valid; money and ids stay. */
function erasedProfile(customer: Customer, now: Date): Customer {
  return {
    ...customer,
    name: ERASED_CUSTOMER_NAME,
    email: null,
    billingAddress: null,
    taxIds: [],
    metadata: {},
    updatedAt: now,
    erasedAt: now,
  };
}

/** Every copy Ledger keeps, rewritten in the erasure's transaction. */
async function eraseCopies(tx: StoreTx, ctx: ServiceContext, erased: Customer): Promise<void> {
  await tx.rewriteCustomerEvents(ctx.scope, erased.id, (payload) =>
    erasedEventPayload(payload, erased.id),
  );
  await tx.rewriteKeptResponses(ctx.scope, (body) =>
    erasedKeptResponse(body, erased.id, ctx.webhookSecrets),
  );
  await tx.forgetStepsMentioning(ctx.scope, erased.id);
  // Last: writing `erased_at` makes attempts settling from now on keep no excerpt.
  await tx.eraseCustomerRecords(ctx.scope, erased);
}

/**
 * Deletes the customer at each processor that has it, after the commit, forgetting each one the
 * processor deleted. A failure is logged and left for the next `eraseCustomer` of the same
 * customer to try again (Ledger's copies are erased already either way).
 */
async function eraseAtProcessors(ctx: ServiceContext, customer: Customer): Promise<void> {
  const known = await ctx.store.listProcessorCustomers(ctx.scope, customer.id);
  for (const { processor, externalId } of known) {
    if (processor !== ctx.payments.processor) continue;
    try {
      await ctx.payments.deleteCustomer({ scope: ctx.scope, processorCustomerId: externalId });
      await ctx.store.forgetProcessorCustomer(ctx.scope, customer.id, processor);
    } catch (error) {
      ctx.logger.warn('could not delete an erased customer at the processor', {
        customerId: customer.id,
        processor,
        error,
      });
    }
  }
}

/**
 * Erases a customer's personal data (GDPR Art. 17) in one transaction: a live customer is first
 * deleted under the same guard as `deleteCustomer` (`has_active_subscriptions`); then the
 * profile gets placeholders (`name: "Erased customer"`, email, address, tax IDs and metadata
 * cleared), cards keep only their brand, and every copy goes: event payloads, kept idempotency
 * responses and step journals, webhook response excerpts, portal sessions. Financial records
 * (invoices, payments, the balance journal) are kept. One `customer.erased` event without
 * personal data is emitted. Erasing an erased customer answers it again and changes nothing
 * (but retries a processor deletion that failed). The processor's customer is deleted after the
 * commit.
 */
export async function eraseCustomer(
  ctx: ServiceContext,
  input: EraseCustomerInput,
): Promise<Customer> {
  const { id } = parseInput(EraseCustomerInput, input);
  const { erased, removed } = await inTransaction(ctx, async (tx) => {
    // The row lock orders erasure with every change of this customer: each takes it (the
    // event sequence lives on the row), so a change either commits first and its event is
    // rewritten here, or runs after and finds the customer deleted.
    let customer = await loadCustomer(tx, ctx, id, { forUpdate: true });
    let removed: PaymentMethod[] = [];
    if (customer.erasedAt) return { erased: customer, removed };
    if (customer.status !== 'deleted') {
      ({ deleted: customer, removed } = await deleteLoadedCustomer(tx, ctx, customer));
    }
    const erased = erasedProfile(customer, ctx.clock.now());
    await eraseCopies(tx, ctx, erased);
    await recordCustomerEvent(tx, ctx, 'customer.erased', erased, {
      id: erased.id,
      erasedAt: erased.erasedAt,
    });
    return { erased, removed };
  });
  await detachQuietly(ctx, removed);
  await eraseAtProcessors(ctx, erased);
  return erased;
}
