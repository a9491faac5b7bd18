// The README's client example. Run it with:
//   LEDGER_URL=http://127.0.0.1:3000 LEDGER_API_KEY=ldg_sk_… pnpm example
import { createLedgerClient, ledgerErrorOf } from '@ledger/client';

const ledger = createLedgerClient({
  url: process.env.LEDGER_URL ?? 'http://127.0.0.1:3000',
  apiKey: process.env.LEDGER_API_KEY ?? '',
});

const email = `alice+${Date.now()}@example.com`;
const customer = await ledger.customer.create.mutate(
  {
    name: 'Alice Johnson',
    email,
    currency: 'USD',
    billingAddress: { line1: '123 Main St', country: 'US', state: 'CA', postalCode: '94105' },
  },
  { context: { idempotencyKey: `create-${email}` } },
);
const credit = await ledger.customer.addCredit.mutate({
  customerId: customer.id,
  amount: { amount: 10_000, currency: 'USD' },
  reason: 'Welcome credit',
});
console.log(`${customer.id} balance ${credit.balance.amount} ${credit.balance.currency}`);

try {
  await ledger.customer.create.mutate({ name: 'Alice again', email, currency: 'USD' });
} catch (error) {
  console.log(`second create refused: ${ledgerErrorOf(error)?.code}`); // duplicate_customer_email
}

// The billing portal: a single-use link to send the customer to (303), back to returnUrl after.
const portal = await ledger.customer.portal.create.mutate({
  customerId: customer.id,
  returnUrl: 'https://app.example.com/account',
});
console.log(`portal link ${portal.url}`);

// The customer's data export (GDPR), streamed record by record.
const kinds: string[] = [];
for await (const record of await ledger.customer.export.query({ id: customer.id })) {
  kinds.push(record.kind);
}
console.log(`export ${kinds[0]} then ${kinds.length - 1} records`);
