import { testDatabaseKinds } from '@ledger/db/testing';
import { formatMoney, formatRate } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { pdfText as textOf } from './pdf-text.js';
import {
  createCustomer,
  createInvoice,
  createPlan,
  expectError,
  manualClock,
  monthlyPlan,
  subscribe,
  type Wire,
  type WireCustomer,
  type WireInvoice,
  type WireMoney,
} from './support.js';

/**
 * Invoice and receipt PDFs over REST, read back the way a person reads them: the text pdfjs
 * extracts from the real bytes is checked against the invoice's own numbers from the API (money
 * with the domain's `formatMoney`, rates with `formatRate`, dates in UTC), for a taxed invoice
 * paid with a card after credit, an EU reverse-charge invoice and a converted (FX) one.
 */

const CA = {
  line1: '1 Market St',
  city: 'Sacramento',
  state: 'CA',
  postal_code: '95814',
  country: 'US',
};
const FR = { line1: '1 Rue de Rivoli', city: 'Paris', postal_code: '75001', country: 'FR' };
const DE = { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10117', country: 'DE' };

interface WirePayment {
  id: string;
  status: string;
  payment_method_id: string | null;
  amount: WireMoney;
}
interface WireMethod {
  id: string;
  card: { brand: string; last4: string };
}

/** A PDF answer: status, headers and the raw bytes. */
interface PdfAnswer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

const DATE = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' });
/** A wire timestamp as the documents print it (a calendar date in UTC). */
const day = (iso: string | null | undefined) => DATE.format(new Date(String(iso)));
const money = (value: WireMoney) => formatMoney(value);
const negated = (value: WireMoney): WireMoney => ({ ...value, amount: -value.amount });

describe.each(testDatabaseKinds())('invoice and receipt PDFs on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let seq = 0;

  /** GETs a PDF route with the raw bytes kept (as `key`'s tenant; A by default). */
  async function getPdf(path: string, key = t.keyA): Promise<PdfAnswer> {
    const response = await fetch(`${t.url}${path}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    return {
      status: response.status,
      headers: response.headers,
      bytes: new Uint8Array(await response.arrayBuffer()),
    };
  }

  /** A PDF answered 200 as `application/pdf`, inline under `name`, cached nowhere: its text. */
  async function pdfText(path: string, name: string): Promise<string> {
    const res = await getPdf(path);
    expect(res.status, new TextDecoder().decode(res.bytes)).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="${name}"`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(new TextDecoder().decode(res.bytes.slice(0, 5))).toBe('%PDF-');
    return textOf(res.bytes);
  }

  const invoicePdfText = (invoice: WireInvoice) =>
    pdfText(`/ledger/invoices/${invoice.id}/pdf`, `invoice-${invoice.number}.pdf`);
  const receiptPdfText = (invoice: WireInvoice) =>
    pdfText(`/ledger/invoices/${invoice.id}/receipt.pdf`, `receipt-${invoice.number}.pdf`);

  async function finalize(id: string): Promise<WireInvoice> {
    const res = await t.rest<WireInvoice>('POST', `/ledger/invoices/${id}/finalize`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  function customer(body: Record<string, unknown>): Promise<WireCustomer> {
    seq++;
    return createCustomer<WireCustomer>(t, { email: `pdf-${seq}@example.com`, ...body });
  }

  /** What every invoice PDF shows of its invoice and customer, checked in `text`. */
  function expectInvoiceBasics(text: string, invoice: WireInvoice, billed: WireCustomer): void {
    expect(text).toContain(`Invoice number ${invoice.number}`);
    expect(text).toContain(billed.name);
    expect(text).toContain(billed.email);
    if (billed.billing_address) expect(text).toContain(billed.billing_address.line1);
    for (const taxId of billed.tax_ids) expect(text).toContain(taxId.value);
    expect(text).toContain(`Date of issue ${day(invoice.due_date)}`);
    expect(text).toContain(`${day(invoice.period_start)} – ${day(invoice.period_end)}`);
    expect(invoice.line_items.length).toBeGreaterThan(0);
    for (const line of invoice.line_items) {
      expect(text).toContain(`${line.description} ${line.quantity} ${money(line.amount)}`);
    }
    expect(text).toContain(`Subtotal ${money(invoice.subtotal)}`);
    expect(text).toContain(`Total ${money(invoice.total)}`);
    expect(text).toContain(`Amount due ${money(invoice.amount_due)}`);
  }

  beforeAll(async () => {
    // A German seller: the EU reverse charge applies to other EU businesses.
    t = await startTestLedger(kind, { clock: time.clock }, { LEDGER_TAX_ORIGIN: 'DE' });
  });
  afterAll(() => t?.close());

  describe('a taxed invoice, partly paid by credit, the rest by card', () => {
    let invoice: WireInvoice;
    let billed: WireCustomer;
    let draftId: string;

    beforeAll(async () => {
      time.set('2026-03-01T00:00:00.000Z');
      const plan = await createPlan(t, {
        slug: 'pro',
        name: 'Pro',
        features: [{ key: 'calls', name: 'API calls', type: 'metered' }],
        pricing: {
          base_amount: 4900,
          billing_period: 'monthly',
          tiers: [{ feature_key: 'calls', type: 'graduated', up_to: -1, unit_amount: 3 }],
        },
      });
      billed = await customer({
        name: 'Ada Lovelace Ltd',
        billing_address: CA,
        tax_ids: [{ type: 'us_ein', value: '91-1144442' }],
      });
      const card = await t.rest<WireMethod>(
        'POST',
        `/ledger/customers/${billed.id}/payment-methods`,
        { body: { token: 'tok_visa', make_default: true } },
      );
      expect(card.status, card.text).toBe(201);
      const credit = await t.rest('POST', `/ledger/customers/${billed.id}/credit`, {
        body: { amount: { amount: 1000, currency: 'USD' }, reason: 'Goodwill' },
      });
      expect(credit.status, credit.text).toBe(200);
      const sub = await subscribe(t, billed.id, plan.id);
      time.set('2026-03-12T10:00:00.000Z');
      const usage = await t.rest('POST', '/ledger/meter/events', {
        body: { customer_id: billed.id, feature_key: 'calls', quantity: 120 },
      });
      expect(usage.status, usage.text).toBeLessThan(300);
      const draft = await createInvoice(t, sub.id);
      draftId = draft.id;
      time.set('2026-03-14T08:30:00.000Z');
      invoice = await finalize(draft.id);
      billed = (await t.rest<WireCustomer>('GET', `/ledger/customers/${billed.id}`)).body;
    });

    it('is the invoice the API describes: numbers, customer, lines, tax, credit, totals', async () => {
      expect(invoice).toMatchObject({ status: 'paid', tax: { reason: 'taxable' } });
      expect(invoice.line_items.length).toBeGreaterThanOrEqual(2);
      expect(invoice.credit_applied.amount).toBeGreaterThan(0);
      expect(invoice.tax.amount.amount).toBeGreaterThan(0);
      const text = await invoicePdfText(invoice);
      expectInvoiceBasics(text, invoice, billed);
      expect(text).toContain(
        `Tax (${formatRate(invoice.tax.rate)}, ${invoice.tax.jurisdiction}) ${money(invoice.tax.amount)}`,
      );
      expect(text).toContain(`Credit applied ${money(negated(invoice.credit_applied))}`);
      expect(text).toContain(`Amount paid ${money(invoice.amount_paid)}`);
      expect(text).toContain(`Paid on ${day(invoice.paid_at)}`);
      expect(text).not.toContain('Reverse charge');
      expect(text).not.toContain('converted');
    });

    it('gives the same bytes for the same invoice', async () => {
      const first = await getPdf(`/ledger/invoices/${invoice.id}/pdf`);
      const second = await getPdf(`/ledger/invoices/${invoice.id}/pdf`);
      expect(first.status).toBe(200);
      expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    });

    it('has a receipt: number, amount paid, date and the card charged', async () => {
      const payments = await t.rest<{ data: WirePayment[] }>(
        'GET',
        `/ledger/payments?invoice_id=${invoice.id}`,
      );
      const paid = payments.body.data.find((payment) => payment.status === 'succeeded');
      if (!paid?.payment_method_id) throw new Error(`no succeeded card payment: ${payments.text}`);
      const methods = await t.rest<{ data: WireMethod[] }>(
        'GET',
        `/ledger/customers/${billed.id}/payment-methods`,
      );
      const method = methods.body.data.find((each) => each.id === paid.payment_method_id);
      if (!method) throw new Error(`no method ${paid.payment_method_id}`);
      expect(paid.amount).toEqual(invoice.amount_paid);

      const text = await receiptPdfText(invoice);
      expect(text).toContain(`Receipt number RCPT-${invoice.number}`);
      expect(text).toContain(`Invoice number ${invoice.number}`);
      expect(text).toContain(`Date paid ${day(invoice.paid_at)}`);
      expect(text).toContain(`${money(paid.amount)} paid on ${day(invoice.paid_at)}`);
      expect(text).toContain(`Amount paid ${money(invoice.amount_paid)}`);
      expect(text.toLowerCase()).toContain(
        `${method.card.brand} ending in ${method.card.last4}`.toLowerCase(),
      );
      expect(text).toContain(billed.name);
    });

    it('refuses a draft (no number yet) and an unpaid receipt with invalid_state naming id', async () => {
      const sub = await subscribe(t, billed.id, (await monthlyPlan(t, 'extra', 500)).id);
      const draft = await createInvoice(t, sub.id);
      for (const path of [
        `/ledger/invoices/${draft.id}/pdf`,
        `/ledger/invoices/${draft.id}/receipt.pdf`,
      ]) {
        const res = await t.rest('GET', path);
        expectError(res, 400, 'invalid_state', 'id');
      }
      expect(draftId).not.toBe(draft.id);
    });

    it("answers another scope's invoice as not found", async () => {
      for (const suffix of ['pdf', 'receipt.pdf']) {
        const res = await t.rest('GET', `/ledger/invoices/${invoice.id}/${suffix}`, {
          key: t.keyB,
        });
        expectError(res, 404, 'invoice_not_found', 'id');
      }
    });
  });

  it('says "Reverse charge" for an EU business abroad, with its VAT number; an open invoice has no receipt', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const plan = await monthlyPlan(t, 'eu-b2b', 10_000, { name: 'Team', currency: 'EUR' });
    const billed = await customer({
      name: 'Société Générale de Test SA',
      currency: 'EUR',
      billing_address: FR,
      tax_ids: [{ type: 'eu_vat', value: 'FR40303265045' }],
    });
    const sub = await subscribe(t, billed.id, plan.id);
    const invoice = await finalize((await createInvoice(t, sub.id)).id);
    expect(invoice).toMatchObject({
      status: 'open',
      tax: { reason: 'reverse_charge', exempt: true },
    });

    const text = await invoicePdfText(invoice);
    expectInvoiceBasics(text, invoice, billed);
    expect(text).toContain(`Tax (reverse charge) ${money(invoice.tax.amount)}`);
    expect(text).toContain('Reverse charge: VAT to be accounted for by the customer');
    expect(text).toContain(`Customer VAT number: ${billed.tax_ids[0]?.value}`);
    expect(text).not.toContain('Credit applied');

    const receipt = await t.rest('GET', `/ledger/invoices/${invoice.id}/receipt.pdf`);
    expectError(receipt, 400, 'invalid_state', 'id');
  });

  it('notes the conversion when the plan is priced in another currency', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const plan: Wire = await monthlyPlan(t, 'global-usd', 4999, { name: 'Global' });
    const billed = await customer({
      name: 'Berliner Kunde GmbH',
      currency: 'EUR',
      billing_address: DE,
    });
    const sub = await subscribe(t, billed.id, plan.id);
    const invoice = await finalize((await createInvoice(t, sub.id)).id);
    const { fx } = invoice;
    if (!fx) throw new Error(`no fx on ${invoice.id}`);
    expect(invoice.currency).toBe('EUR');
    expect(invoice.tax.reason).toBe('taxable');

    const text = await invoicePdfText(invoice);
    expectInvoiceBasics(text, invoice, billed);
    expect(text).toContain(
      `Tax (${formatRate(invoice.tax.rate)}, ${invoice.tax.jurisdiction}) ${money(invoice.tax.amount)}`,
    );
    expect(text).toContain(
      `Prices converted from ${fx.from} to ${invoice.currency} at 1 ${fx.from} = ${fx.rate} ${invoice.currency} (${fx.source}, rates as of ${fx.as_of}).`,
    );
  });
});
