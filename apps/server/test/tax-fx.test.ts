import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FxRatesObject, InvoiceObject, TaxRateObject } from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import type { TaxIdVerifier } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createInvoice,
  monthlyPlan,
  scopeA,
  subscribe,
  type WireCustomer,
} from './support.js';

/** A customer in `currency` subscribed to a USD plan with `base`, billed once: the invoice. */
async function billOnce(t: TestLedger, key: string, currency: string, base: number, slug: string) {
  const customer = await createCustomer(
    t,
    {
      name: 'FX',
      email: `${slug}@fx.example`,
      currency,
      billing_address: { line1: '1 Rue', country: 'DE' },
      tax_exempt: 'exempt',
    },
    key,
  );
  const plan = await monthlyPlan(t, slug, base, { name: 'Plan' }, key);
  const sub = await subscribe(t, customer.id, plan.id, {}, key);
  return InvoiceObject.parse(await createInvoice(t, sub.id, key));
}

describe.each(testDatabaseKinds())('tax rates and FX on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  it('answers the rate of a place with its components, and 0 "unknown" for unknown places', async () => {
    const sf = TaxRateObject.parse(
      (await t.rest('GET', '/ledger/tax/rate?country=us&state=CA&postal_code=94105')).body,
    );
    expect(sf).toMatchObject({ rate: '0.08625', jurisdiction: 'US-CA-94105' });
    expect(sf.components.length).toBeGreaterThan(1);
    const quebec = TaxRateObject.parse(
      (await t.rest('GET', '/ledger/tax/rate?country=CA&state=QC')).body,
    );
    expect(quebec.rate).toBe('0.14975');
    expect(quebec.components.map((c) => c.rate).sort()).toEqual(['0.05', '0.09975']);
    const nowhere = TaxRateObject.parse((await t.rest('GET', '/ledger/tax/rate?country=AQ')).body);
    expect(nowhere).toEqual({ rate: '0', jurisdiction: 'unknown', components: [] });
    const bad = await t.rest<{ error: { code: string; param: string } }>(
      'GET',
      '/ledger/tax/rate?country=XX',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_country', param: 'country' });
  });

  it('converts at invoice time at the reference rate and records it: USD 49.99 → EUR 46.99', async () => {
    const invoice = await billOnce(t, t.keyA, 'EUR', 4999, 'seed');
    expect(invoice.currency).toBe('EUR');
    expect(invoice.subtotal.amount).toBe(4699);
    expect(invoice.line_items.map((l) => l.amount.amount)).toEqual([4699]);
    expect(invoice.fx).toMatchObject({ from: 'USD', rate: '0.94' });
    expect(invoice.fx?.as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('lets a tenant override rates; its invoices use them, other tenants keep the reference', async () => {
    const before = FxRatesObject.parse(
      (await t.rest('GET', '/ledger/fx/rates', { key: t.keyB })).body,
    );
    expect(before).toMatchObject({ base: 'USD', overrides: null });
    expect(before.rates.EUR).toBe('0.94');
    const put = await t.rest('PUT', '/ledger/fx/rates', {
      key: t.keyB,
      body: {
        base: 'usd',
        rates: { eur: '0.9', GBP: '0.8' },
        source: 'Treasury desk',
        as_of: '2026-11-20',
      },
    });
    expect(put.status).toBe(200);
    const view = FxRatesObject.parse(put.body);
    expect(view.rates).toMatchObject({ EUR: '0.9', GBP: '0.8', JPY: before.rates.JPY });
    expect(view).toMatchObject({
      as_of: '2026-11-20',
      overrides: { base: 'USD', rates: { EUR: '0.9', GBP: '0.8' } },
    });
    expect(view.source).toContain('Treasury desk');

    const theirs = await billOnce(t, t.keyB, 'EUR', 10_000, 'override');
    expect(theirs.subtotal.amount).toBe(9000);
    expect(theirs.fx).toMatchObject({ from: 'USD', rate: '0.9', as_of: '2026-11-20' });
    const mine = await billOnce(t, t.keyA, 'EUR', 10_000, 'reference');
    expect(mine.subtotal.amount).toBe(9400);
    expect(
      FxRatesObject.parse((await t.rest('GET', '/ledger/fx/rates')).body).overrides,
    ).toBeNull();
  });

  it('refuses bad rate tables naming the parameter and keeps the previous rates', async () => {
    for (const [body, param] of [
      [{ base: 'USD', rates: { EUR: '-1' } }, 'rates.EUR'],
      [{ base: 'USD', rates: { EUR: 0.9 } }, 'rates.EUR'],
      [{ base: 'USD', rates: { XYZ: '1.2' } }, 'rates'],
      [{ base: 'ABC', rates: { EUR: '1.2' } }, 'base'],
    ] as const) {
      const res = await t.rest<{ error: { type: string; param: string } }>(
        'PUT',
        '/ledger/fx/rates',
        { key: t.keyB, body },
      );
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.type).toBe('validation');
      expect(res.body.error.param, JSON.stringify(body)).toContain(param.split('.')[0]);
    }
    const after = FxRatesObject.parse(
      (await t.rest('GET', '/ledger/fx/rates', { key: t.keyB })).body,
    );
    expect(after.rates.EUR).toBe('0.9');
  });

  it('serves the same through tRPC', async () => {
    const client = t.client(t.keyB);
    const rates = await client.fx.get.query();
    expect(rates.rates.EUR).toBe('0.9');
    const rate = await client.tax.rate.query({ country: 'de' });
    expect(rate).toMatchObject({ rate: '0.19', jurisdiction: 'DE' });
  });
});

describe.each(testDatabaseKinds())('tax id verification on %s', (kind) => {
  let t: TestLedger;
  const asked: string[] = [];
  const verifier: TaxIdVerifier = {
    async verify(taxId) {
      asked.push(taxId.value);
      if (taxId.value.startsWith('DE')) return { status: 'verified' };
      throw new Error('VIES is down');
    },
  };
  beforeAll(async () => {
    t = await startTestLedger(kind, { taxIdVerifier: verifier }, { LEDGER_TAX_ORIGIN: 'DE' });
  });
  afterAll(() => t.close());

  it('records what the verifier answers, marks ids it could not check unavailable, and bills anyway', async () => {
    const customer = await createCustomer<WireCustomer>(t, {
      name: 'Verified GmbH',
      email: 'vat@verify.example',
      currency: 'EUR',
      billing_address: { line1: 'Hauptstr. 1', country: 'FR' },
      tax_ids: [
        { type: 'eu_vat', value: 'DE136695976' },
        { type: 'eu_vat', value: 'FR40303265045' },
      ],
    });
    expect(customer.tax_ids.map((id) => id.verification.status)).toEqual([
      'unverified',
      'unverified',
    ]);
    const verified = await t.rest<WireCustomer>(
      'POST',
      `/ledger/customers/${customer.id}/tax-ids/verify`,
    );
    expect(verified.status).toBe(200);
    expect(asked).toEqual(['DE136695976', 'FR40303265045']);
    expect(verified.body.tax_ids.map((id) => [id.value, id.verification])).toEqual([
      ['DE136695976', { status: 'verified' }],
      ['FR40303265045', { status: 'unavailable', reason: 'verifier_error' }],
    ]);
    const events = await t.server.ledger.deps.store.listEvents(scopeA, { limit: 50 });
    expect(
      events.filter((e) => e.type === 'customer.updated').at(-1)?.previousAttributes,
    ).toHaveProperty('taxIds');

    // A failing verifier never blocks billing: the eu_vat id still drives the reverse charge.
    const plan = await monthlyPlan(t, 'b2b', 10_000, { name: 'B2B', currency: 'EUR' });
    const sub = await subscribe(t, customer.id, plan.id);
    const invoice = InvoiceObject.parse(await createInvoice(t, sub.id));
    expect(invoice.tax).toMatchObject({
      amount: { amount: 0 },
      exempt: true,
      reason: 'reverse_charge',
    });
  });
});

describe.each(testDatabaseKinds())('a deployment’s tax rate overrides on %s', (kind) => {
  let t: TestLedger;
  const dir = mkdtempSync(join(tmpdir(), 'ledger-tax-'));
  beforeAll(async () => {
    const file = join(dir, 'rates.json');
    writeFileSync(
      file,
      JSON.stringify({
        asOf: '2027-01-01',
        countries: { DE: { components: [{ name: 'VAT', rate: '0.2' }] } },
      }),
    );
    t = await startTestLedger(kind, {}, { LEDGER_TAX_RATES_FILE: file, LEDGER_TAX_ORIGIN: 'de' });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lays the file over the shipped table for rates and invoices', async () => {
    expect(
      TaxRateObject.parse((await t.rest('GET', '/ledger/tax/rate?country=DE')).body).rate,
    ).toBe('0.2');
    expect(
      TaxRateObject.parse((await t.rest('GET', '/ledger/tax/rate?country=FR')).body).rate,
    ).toBe('0.2');
    expect(
      TaxRateObject.parse((await t.rest('GET', '/ledger/tax/rate?country=AT')).body).rate,
    ).toBe('0.2');
    const customer = await createCustomer(t, {
      name: 'Berlin',
      email: 'b@tax.example',
      currency: 'EUR',
      billing_address: { line1: 'X 1', country: 'DE' },
    });
    const plan = await monthlyPlan(t, 'p', 1001, { name: 'P', currency: 'EUR' });
    const sub = await subscribe(t, customer.id, plan.id);
    const invoice = InvoiceObject.parse(await createInvoice(t, sub.id));
    expect(invoice.tax).toMatchObject({ rate: '0.2', jurisdiction: 'DE', amount: { amount: 200 } });
    expect(invoice.total.amount).toBe(1201);
  });
});
