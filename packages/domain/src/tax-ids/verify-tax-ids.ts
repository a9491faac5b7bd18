import { CustomerIdInput } from '../billing/schemas.js';
import { loadCustomer, loadLiveCustomer } from '../customer/load-customer.js';
import type { Customer } from '../customer/model.js';
import { LedgerError } from '../errors.js';
import { recordCustomerEvent } from '../events/record-event.js';
import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import type { TaxId, TaxIdVerification } from './types.js';

async function ask(ctx: ServiceContext, taxId: TaxId): Promise<TaxIdVerification> {
  try {
    return await ctx.taxIdVerifier.verify(taxId);
  } catch {
    // The authority did not answer: say so on the id; billing never waits for it.
    return { status: 'unavailable', reason: 'verifier_error' };
  }
}

/**
 * Asks the verifier about each of the customer's tax ids and records the answers
 * (`verified`, `unverified` with a reason, or `unavailable` when the authority could not answer),
 * emitting `customer.updated` when a status changed. Verification never blocks billing: tax is
 * calculated from the ids whatever their status, and a failing verifier only marks them.
 */
export async function verifyTaxIds(ctx: ServiceContext, input: CustomerIdInput): Promise<Customer> {
  const { customerId } = parseInput(CustomerIdInput, input);
  // A plain read: outside a transaction a row lock would end with the statement, and the
  // authority is asked before the change below locks the customer.
  const before = await loadCustomer(ctx.store, ctx, customerId, { param: 'customerId' });
  if (before.status === 'deleted') {
    throw new LedgerError(
      'customer_deleted',
      `Customer ${customerId} is deleted and cannot change`,
      {
        param: ['customerId'],
      },
    );
  }
  const answers = new Map<string, TaxIdVerification>();
  for (const taxId of before.taxIds)
    answers.set(`${taxId.type}:${taxId.value}`, await ask(ctx, taxId));
  return inTransaction(ctx, async (tx) => {
    const customer = await loadLiveCustomer(tx, ctx, customerId, { param: 'customerId' });
    const taxIds = customer.taxIds.map((taxId) => ({
      ...taxId,
      verification: answers.get(`${taxId.type}:${taxId.value}`) ?? taxId.verification,
    }));
    if (JSON.stringify(taxIds) === JSON.stringify(customer.taxIds)) return customer;
    const updated: Customer = { ...customer, taxIds, updatedAt: ctx.clock.now() };
    await tx.updateCustomer(ctx.scope, updated);
    await recordCustomerEvent(tx, ctx, 'customer.updated', updated, updated, {
      taxIds: customer.taxIds,
    });
    return updated;
  });
}
