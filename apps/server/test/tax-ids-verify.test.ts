import { ledgerErrorOf } from '@ledger/client';
import { testDatabaseKinds } from '@ledger/db/testing';
import type { TaxIdVerifier } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, expectError, holdTransaction } from './support.js';

/**
 * Verifying tax ids reads the customer before asking the authority (outside any transaction, so
 * without a lock) and refuses a deleted customer before asking anything.
 */
describe.each(testDatabaseKinds())('tax id verification reads on %s', (kind) => {
  let t: TestLedger;
  const asked: string[] = [];
  let onAsked = () => {};
  const verifier: TaxIdVerifier = {
    async verify(taxId) {
      asked.push(taxId.value);
      onAsked();
      return { status: 'verified' };
    },
  };
  let email = 0;
  const withTaxId = () =>
    createCustomer(t, {
      email: `verify-${++email}@example.com`,
      currency: 'EUR',
      billing_address: { line1: 'Hauptstr. 1', country: 'DE' },
      tax_ids: [{ type: 'eu_vat', value: 'DE136695976' }],
    });

  beforeAll(async () => {
    t = await startTestLedger(kind, { taxIdVerifier: verifier });
  });
  afterAll(() => t.close());

  it('refuses a deleted customer with 400 customer_deleted and never asks the verifier', async () => {
    const customer = await withTaxId();
    expect((await t.rest('DELETE', `/ledger/customers/${customer.id}`)).status).toBe(204);
    asked.length = 0;
    expectError(
      await t.rest('POST', `/ledger/customers/${customer.id}/tax-ids/verify`),
      400,
      'customer_deleted',
      'id',
    );
    const trpc = await t
      .client()
      .customer.taxIds.verify.mutate({ customerId: customer.id })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(ledgerErrorOf(trpc)).toMatchObject({ code: 'customer_deleted', param: 'customerId' });
    expect(asked).toEqual([]);
    expectError(
      await t.rest('POST', '/ledger/customers/cus_01jdzzzzzzzzzzzzzzzzzzzzzz/tax-ids/verify'),
      404,
      'customer_not_found',
      'id',
    );
  });

  it('verifies a live customer', async () => {
    const customer = await withTaxId();
    const res = await t.rest<{ tax_ids: Array<{ verification: { status: string } }> }>(
      'POST',
      `/ledger/customers/${customer.id}/tax-ids/verify`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.tax_ids.map((id) => id.verification.status)).toEqual(['verified']);
  });

  // PGlite runs one transaction at a time, so only PostgreSQL can hold a lock beside a request.
  if (kind === 'postgres') {
    it('asks the verifier while another transaction holds the customer row', async () => {
      const customer = await withTaxId();
      expect(customer.id).toMatch(/^cus_[0-9a-z]{26}$/);
      const release = await holdTransaction(
        t,
        `select id from customers where id = '${customer.id}' for update`,
      );
      const wasAsked = new Promise<'asked'>((resolve) => {
        onAsked = () => resolve('asked');
      });
      // The write itself waits for the lock; the read before asking the authority must not.
      const request = t.rest('POST', `/ledger/customers/${customer.id}/tax-ids/verify`);
      try {
        const blocked = new Promise<'blocked'>((resolve) => {
          setTimeout(() => resolve('blocked'), 10_000).unref();
        });
        expect(await Promise.race([wasAsked, blocked])).toBe('asked');
      } finally {
        onAsked = () => {};
        await release();
      }
      expect((await request).status).toBe(200);
    });
  }
});
