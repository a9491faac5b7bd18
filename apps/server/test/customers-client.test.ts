import {
  type AppRouter,
  type CreateCustomerInput,
  type LedgerClient,
  type LedgerErrorData,
  ledgerErrorOf,
  type RouterOutputs,
  TRPCClientError,
} from '@ledger/client';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';

type Customer = RouterOutputs['customer']['get'];

/** A well-formed customer id that no customer has. */
const UNKNOWN_ID = 'cus_01h455vb4pex5vsknk084sn02q';

const alice = {
  name: '  Alice Johnson ',
  email: 'Alice@Example.COM',
  currency: 'usd',
  billingAddress: {
    line1: '123 Main St',
    city: 'San Francisco',
    state: 'CA',
    postalCode: '94105',
    country: 'us',
  },
  metadata: { crmId: 'A-1', tier: 'gold' },
} satisfies CreateCustomerInput;

/**
 * Awaits a call that must fail, checks it failed as a tRPC client error, and returns Ledger's
 * error fields from it.
 */
async function failure(call: Promise<unknown>): Promise<LedgerErrorData | null> {
  const error = await call.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return ledgerErrorOf(error);
}

describe('client types', () => {
  it('types customer outputs with Money balances and Date timestamps', () => {
    expectTypeOf<Customer>().not.toBeAny();
    expectTypeOf<Customer>().toExtend<{
      balance: { amount: number; currency: string };
      createdAt: Date;
    }>();
    expectTypeOf<Customer['balance']>().toEqualTypeOf<{
      readonly amount: number;
      readonly currency: string;
    }>();
    expectTypeOf<Customer['balance']['amount']>().toEqualTypeOf<number>();
    expectTypeOf<Customer['balance']['currency']>().toEqualTypeOf<string>();
    expectTypeOf<Customer['createdAt']>().toEqualTypeOf<Date>();
    expectTypeOf<Customer['deletedAt']>().toEqualTypeOf<Date | null>();
    expectTypeOf<RouterOutputs['customer']['addCredit']>().toHaveProperty('creditApplied');
    // Ledger's error formatter shape reaches the client: `error.data.ledger` is typed.
    expectTypeOf<
      NonNullable<TRPCClientError<AppRouter>['data']>['ledger']
    >().toEqualTypeOf<LedgerErrorData>();
    expectTypeOf<LedgerClient['customer']['create']['mutate']>()
      .parameter(0)
      .toHaveProperty('currency')
      .toEqualTypeOf<string>();
  });
});

describe.each(testDatabaseKinds())('customer procedures through the typed client on %s', (kind) => {
  let t: TestLedger;
  let client: LedgerClient;
  beforeAll(async () => {
    t = await startTestLedger(kind);
    client = t.client();
  });
  afterAll(() => t.close());

  it('creates a customer: normalised fields, Dates as Date objects, a zero balance', async () => {
    const before = Date.now();
    const customer = await client.customer.create.mutate(alice);
    const after = Date.now();
    expect(customer).toMatchObject({
      tenantId: 'tenant-a',
      appId: 'app',
      name: 'Alice Johnson',
      email: 'alice@example.com',
      currency: 'USD',
      balance: { amount: 0, currency: 'USD' },
      billingAddress: { line1: '123 Main St', country: 'US', postalCode: '94105' },
      defaultPaymentMethod: null,
      taxIds: [],
      taxExempt: 'none',
      metadata: { crmId: 'A-1', tier: 'gold' },
      status: 'active',
      deletedAt: null,
    });
    expect(customer.id).toMatch(/^cus_[0-9a-z]{26}$/);
    expect(customer.createdAt).toBeInstanceOf(Date);
    expect(customer.updatedAt).toBeInstanceOf(Date);
    expect(customer.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(customer.createdAt.getTime()).toBeLessThanOrEqual(after);
    expect(customer.updatedAt).toEqual(customer.createdAt);
  });

  it('gets by id and by email in any case; another tenant cannot see it', async () => {
    const created = await client.customer.create.mutate({
      name: 'Bob',
      email: 'bob+tag@example.com',
      currency: 'EUR',
    });
    const byId = await client.customer.get.query({ id: created.id });
    expect(byId).toEqual(created);
    expect(byId.createdAt).toBeInstanceOf(Date);
    const byEmail = await client.customer.getByEmail.query({ email: ' BOB+TAG@Example.com ' });
    expect(byEmail.id).toBe(created.id);
    const other = t.client(t.keyB);
    expect(await failure(other.customer.get.query({ id: created.id }))).toMatchObject({
      code: 'customer_not_found',
      param: 'id',
    });
    expect(
      await failure(other.customer.getByEmail.query({ email: 'bob+tag@example.com' })),
    ).toMatchObject({ code: 'customer_not_found', param: 'email' });
  });

  it('updates only the fields given; null clears the address and removes metadata keys', async () => {
    const created = await client.customer.create.mutate({ ...alice, email: 'carol@example.com' });
    const updated = await client.customer.update.mutate({
      id: created.id,
      name: 'Carol Smith',
      billingAddress: null,
      metadata: { tier: null, region: 'eu' },
    });
    expect(updated).toMatchObject({
      id: created.id,
      name: 'Carol Smith',
      email: 'carol@example.com',
      currency: 'USD',
      billingAddress: null,
      metadata: { crmId: 'A-1', region: 'eu' },
    });
    expect(updated.metadata).not.toHaveProperty('tier');
    expect(updated.createdAt).toEqual(created.createdAt);
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    expect(await client.customer.get.query({ id: created.id })).toEqual(updated);

    const renamed = await client.customer.update.mutate({
      id: created.id,
      email: 'Carol.Smith@EXAMPLE.com',
      currency: 'gbp',
    });
    expect(renamed).toMatchObject({
      name: 'Carol Smith',
      email: 'carol.smith@example.com',
      currency: 'GBP',
      balance: { amount: 0, currency: 'GBP' },
      metadata: { crmId: 'A-1', region: 'eu' },
    });
  });

  it('adds credit, adjusts the balance both ways and lists the journal newest first', async () => {
    const { id } = await client.customer.create.mutate({
      name: 'Erin',
      email: 'erin@example.com',
      currency: 'USD',
    });
    const credit = await client.customer.addCredit.mutate({
      customerId: id,
      amount: { amount: 500, currency: 'usd' },
      reason: 'welcome credit',
    });
    expect(credit).toMatchObject({
      customerId: id,
      balance: { amount: -500, currency: 'USD' },
      creditApplied: { amount: 500, currency: 'USD' },
      transaction: {
        customerId: id,
        type: 'credit',
        amount: { amount: -500, currency: 'USD' },
        endingBalance: { amount: -500, currency: 'USD' },
        description: 'welcome credit',
        invoiceId: null,
      },
    });
    expect(credit.transaction.id).toMatch(/^cbtxn_/);
    expect(credit.transaction.createdAt).toBeInstanceOf(Date);

    const debt = await client.customer.adjustBalance.mutate({
      customerId: id,
      amount: { amount: 1200, currency: 'USD' },
      description: 'missed usage charge',
    });
    expect(debt.balance).toEqual({ amount: 700, currency: 'USD' });
    expect(debt.transaction).toMatchObject({
      type: 'adjustment',
      amount: { amount: 1200 },
      endingBalance: { amount: 700 },
    });
    const refund = await client.customer.adjustBalance.mutate({
      customerId: id,
      amount: { amount: -200, currency: 'USD' },
      description: 'goodwill',
    });
    expect(refund.balance).toEqual({ amount: 500, currency: 'USD' });
    expect((await client.customer.get.query({ id })).balance).toEqual({
      amount: 500,
      currency: 'USD',
    });

    const journal = await client.customer.balanceTransactions.list.query({ customerId: id });
    expect(
      journal.data.map((row) => [row.type, row.amount.amount, row.endingBalance.amount]),
    ).toEqual([
      ['adjustment', -200, 500],
      ['adjustment', 1200, 700],
      ['credit', -500, -500],
    ]);
    expect(journal.data.map((row) => row.id)).toEqual([
      refund.transaction.id,
      debt.transaction.id,
      credit.transaction.id,
    ]);
    expect(journal.pagination).toEqual({
      total: 3,
      limit: 20,
      offset: 0,
      hasMore: false,
      nextCursor: null,
    });

    const first = await client.customer.balanceTransactions.list.query({
      customerId: id,
      limit: 2,
    });
    expect(first.pagination).toMatchObject({ hasMore: true, nextCursor: debt.transaction.id });
    const rest = await client.customer.balanceTransactions.list.query({
      customerId: id,
      limit: 2,
      startingAfter: first.pagination.nextCursor ?? undefined,
    });
    expect(rest.data.map((row) => row.id)).toEqual([credit.transaction.id]);
    expect(rest.pagination).toMatchObject({ hasMore: false, nextCursor: null });
  });

  it('deletes: returns the deleted customer, keeps it readable by id, refuses changes', async () => {
    const created = await client.customer.create.mutate({
      name: 'Frank',
      email: 'frank@example.com',
      currency: 'USD',
    });
    await client.customer.addCredit.mutate({
      customerId: created.id,
      amount: { amount: 100, currency: 'USD' },
      reason: 'before deletion',
    });
    const deleted = await client.customer.delete.mutate({ id: created.id });
    expect(deleted).toMatchObject({ id: created.id, name: 'Frank', status: 'deleted' });
    expect(deleted.deletedAt).toBeInstanceOf(Date);

    const read = await client.customer.get.query({ id: created.id });
    expect(read.status).toBe('deleted');
    expect(read.deletedAt).toEqual(deleted.deletedAt);
    expect(
      await failure(client.customer.getByEmail.query({ email: 'frank@example.com' })),
    ).toMatchObject({ code: 'customer_not_found', param: 'email' });
    expect(
      await failure(client.customer.update.mutate({ id: created.id, name: 'Franklin' })),
    ).toMatchObject({ code: 'customer_deleted', param: 'id' });
    expect(
      await failure(
        client.customer.addCredit.mutate({
          customerId: created.id,
          amount: { amount: 100, currency: 'USD' },
          reason: 'too late',
        }),
      ),
    ).toMatchObject({ code: 'customer_deleted', param: 'customerId' });
    expect(await failure(client.customer.delete.mutate({ id: created.id }))).toMatchObject({
      code: 'customer_deleted',
      param: 'id',
    });
    const history = await client.customer.balanceTransactions.list.query({
      customerId: created.id,
    });
    expect(history.data.map((row) => row.description)).toEqual(['before deletion']);
    const reused = await client.customer.create.mutate({
      name: 'Frank II',
      email: 'FRANK@example.com',
      currency: 'USD',
    });
    expect(reused.id).not.toBe(created.id);
  });

  it('replays a mutation sent again with the same idempotency key', async () => {
    const input = { name: 'Gina', email: 'gina@example.com', currency: 'USD' };
    const first = await client.customer.create.mutate(input, {
      context: { idempotencyKey: 'create-gina-1' },
    });
    const again = await client.customer.create.mutate(input, {
      context: { idempotencyKey: 'create-gina-1' },
    });
    expect(again).toEqual(first);
    expect(
      await failure(
        client.customer.create.mutate(
          { ...input, name: 'Someone Else' },
          { context: { idempotencyKey: 'create-gina-1' } },
        ),
      ),
    ).toMatchObject({ code: 'idempotency_key_reused', param: 'Idempotency-Key' });
    const page = await client.customer.list.query({ email: 'gina@example.com' });
    expect(page.data.map((c) => c.id)).toEqual([first.id]);
  });

  it('surfaces refusals as TRPCClientError with Ledger codes and params', async () => {
    const notFound = await client.customer.get.query({ id: UNKNOWN_ID }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(TRPCClientError);
    expect(ledgerErrorOf(notFound)).toMatchObject({
      type: 'not_found',
      code: 'customer_not_found',
      param: 'id',
      requestId: expect.stringMatching(/^req_/),
    });
    expect(notFound instanceof TRPCClientError && notFound.data?.httpStatus).toBe(404);

    expect(await failure(client.customer.get.query({ id: 'cus_nope' }))).toMatchObject({
      code: 'invalid_id',
      param: 'id',
    });
    expect(
      await failure(
        client.customer.create.mutate({ name: 'X', email: 'not-an-email', currency: 'USD' }),
      ),
    ).toMatchObject({ type: 'validation', code: 'invalid_email', param: 'email' });
    expect(
      await failure(
        client.customer.create.mutate({ name: 'X', email: 'x@example.com', currency: 'XYZ' }),
      ),
    ).toMatchObject({ code: 'invalid_currency', param: 'currency' });
    expect(
      await failure(
        client.customer.create.mutate({
          name: 'X',
          email: 'x@example.com',
          currency: 'USD',
          billingAddress: { line1: '1 Road', country: 'ZZ' },
        }),
      ),
    ).toMatchObject({ code: 'invalid_country', param: 'billingAddress.country' });
    expect(
      await failure(
        client.customer.create.mutate({
          name: 'X',
          email: 'x@example.com',
          currency: 'USD',
          // @ts-expect-error an unknown field is a compile error, and refused at run time
          colour: 'red',
        }),
      ),
    ).toMatchObject({ code: 'invalid_input', param: 'colour' });
    await client.customer.create.mutate({ name: 'Dup', email: 'dup@example.com', currency: 'USD' });
    expect(
      await failure(
        client.customer.create.mutate({ name: 'Dup 2', email: 'DUP@example.com', currency: 'USD' }),
      ),
    ).toMatchObject({ type: 'conflict', code: 'duplicate_customer_email' });

    const { id } = await client.customer.create.mutate({
      name: 'Hank',
      email: 'hank@example.com',
      currency: 'EUR',
    });
    expect(
      await failure(
        client.customer.addCredit.mutate({
          customerId: id,
          amount: { amount: 100, currency: 'USD' },
          reason: 'wrong currency',
        }),
      ),
    ).toMatchObject({ code: 'currency_mismatch', param: 'amount.currency' });
    expect(
      await failure(
        client.customer.addCredit.mutate({
          customerId: id,
          amount: { amount: -100, currency: 'EUR' },
          reason: 'negative credit',
        }),
      ),
    ).toMatchObject({ code: 'invalid_amount', param: 'amount.amount' });
    expect(
      await failure(
        client.customer.adjustBalance.mutate({
          customerId: UNKNOWN_ID,
          amount: { amount: 100, currency: 'EUR' },
          description: 'nobody',
        }),
      ),
    ).toMatchObject({ code: 'customer_not_found', param: 'customerId' });
    await client.customer.addCredit.mutate({
      customerId: id,
      amount: { amount: 100, currency: 'EUR' },
      reason: 'locks the currency',
    });
    expect(await failure(client.customer.update.mutate({ id, currency: 'USD' }))).toMatchObject({
      code: 'currency_locked',
      param: 'currency',
    });

    expect(await failure(t.client('lk_test_not_a_real_key').customer.list.query())).toMatchObject({
      type: 'authentication',
      code: 'unauthenticated',
    });
  });
});

describe.each(testDatabaseKinds())('listing customers through the typed client on %s', (kind) => {
  let t: TestLedger;
  let client: LedgerClient;
  /** Oldest first; the last one is deleted. */
  const created: Customer[] = [];
  const newestFirst = () => created.slice(0, 6).reverse();
  beforeAll(async () => {
    t = await startTestLedger(kind);
    client = t.client();
    for (let i = 0; i < 7; i++) {
      created.push(
        await client.customer.create.mutate({
          name: i % 2 === 0 ? `Even Person ${i}` : `Odd 100%_${i}`,
          email: `person${i}@list.example`,
          currency: 'USD',
          metadata: { parity: i % 2 === 0 ? 'even' : 'odd', n: i },
        }),
      );
    }
    const last = created[6];
    if (!last) throw new Error('no customers were created');
    await client.customer.delete.mutate({ id: last.id });
  });
  afterAll(() => t.close());

  const ids = (page: { data: Array<{ id: string }> }) => page.data.map((c) => c.id);

  it('lists live customers newest first, by default and with offset paging', async () => {
    const all = await client.customer.list.query();
    expect(ids(all)).toEqual(newestFirst().map((c) => c.id));
    expect(all.pagination).toEqual({
      total: 6,
      limit: 20,
      offset: 0,
      hasMore: false,
      nextCursor: null,
    });
    expect(all.data[0]?.createdAt).toBeInstanceOf(Date);

    const seen: string[] = [];
    for (let offset = 0; ; offset += 4) {
      const page = await client.customer.list.query({ limit: 4, offset });
      expect(page.pagination).toMatchObject({ total: 6, limit: 4, offset });
      seen.push(...ids(page));
      if (!page.pagination.hasMore) break;
    }
    expect(seen).toEqual(ids(all));
  });

  it('walks every customer exactly once with startingAfter', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: RouterOutputs['customer']['list'] = await client.customer.list.query({
        limit: 2,
        ...(cursor ? { startingAfter: cursor } : {}),
      });
      pages += 1;
      seen.push(...ids(page));
      cursor = page.pagination.nextCursor;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(newestFirst().map((c) => c.id));
  });

  it('filters by status, email in any case, q and metadata', async () => {
    const deleted = await client.customer.list.query({ status: 'deleted' });
    expect(ids(deleted)).toEqual([created[6]?.id]);
    expect(deleted.data[0]?.status).toBe('deleted');
    const everyone = await client.customer.list.query({ status: 'all' });
    expect(everyone.pagination.total).toBe(7);

    const byEmail = await client.customer.list.query({ email: 'PERSON3@List.Example' });
    expect(ids(byEmail)).toEqual([created[3]?.id]);
    expect(ids(await client.customer.list.query({ q: '100%_5' }))).toEqual([created[5]?.id]);
    const evens = await client.customer.list.query({ q: 'even person' });
    expect(ids(evens)).toEqual([created[4]?.id, created[2]?.id, created[0]?.id]);
    const odd = await client.customer.list.query({ metadata: { parity: 'odd' } });
    expect(ids(odd)).toEqual([created[5]?.id, created[3]?.id, created[1]?.id]);
    const three = await client.customer.list.query({ metadata: { parity: 'odd', n: '3' } });
    expect(ids(three)).toEqual([created[3]?.id]);
  });

  it('filters by creation time given as Date objects', async () => {
    const pivot = created[3];
    if (!pivot) throw new Error('missing pivot customer');
    const since = await client.customer.list.query({ createdGte: pivot.createdAt, limit: 100 });
    expect(since.data.every((c) => c.createdAt.getTime() >= pivot.createdAt.getTime())).toBe(true);
    expect(ids(since)).toEqual(
      expect.arrayContaining([created[5]?.id, created[4]?.id, created[3]?.id]),
    );
    expect(ids(since)).not.toContain(created[6]?.id);
    const until = await client.customer.list.query({ createdLte: pivot.createdAt, limit: 100 });
    expect(until.data.every((c) => c.createdAt.getTime() <= pivot.createdAt.getTime())).toBe(true);
    expect(ids(until)).toEqual(expect.arrayContaining([created[0]?.id, pivot.id]));
    const future = await client.customer.list.query({
      createdGte: new Date(Date.now() + 60_000),
    });
    expect(future.data).toEqual([]);
    expect(future.pagination.total).toBe(0);
  });

  it('refuses bad list parameters naming them', async () => {
    const first = created[0];
    if (!first) throw new Error('no customers were created');
    expect(await failure(client.customer.list.query({ limit: 0 }))).toMatchObject({
      code: 'invalid_input',
      param: 'limit',
    });
    expect(await failure(client.customer.list.query({ limit: 101 }))).toMatchObject({
      param: 'limit',
    });
    expect(
      await failure(client.customer.list.query({ offset: 2, startingAfter: first.id })),
    ).toMatchObject({ code: 'invalid_input', param: 'startingAfter' });
    expect(await failure(client.customer.list.query({ startingAfter: 'nope' }))).toMatchObject({
      code: 'invalid_id',
      param: 'startingAfter',
    });
    expect(await failure(client.customer.list.query({ email: 'nope' }))).toMatchObject({
      code: 'invalid_email',
      param: 'email',
    });
  });
});
