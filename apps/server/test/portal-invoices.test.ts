import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { openPortal, type PortalPage } from './portal-support.js';
import {
  createCustomer,
  createInvoice,
  monthlyPlan,
  subscribe,
  type WireCustomer,
  type WireInvoice,
  type WireList,
  type WireMoney,
} from './support.js';

/**
 * The portal's invoice history over real HTTP (PORTAL.md "What a customer can do" 2 and 3): the
 * list, an invoice's page with the numbers REST shows, Pay now (paid, declined, no card), the
 * payment history, and what a session may not reach (another customer's invoice, a draft, a
 * feature switched off, a forged or cross-site form).
 */

interface WirePayment {
  id: string;
  invoice_id: string;
  amount: WireMoney;
  status: string;
  failure_message: string | null;
}

/** What the portal's HTML shows for a text: `hono/html` escapes these five characters. */
function escaped(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The body rows of a page's first table. */
function bodyRows(page: PortalPage): string[] {
  const body = page.html.match(/<tbody>([\s\S]*?)<\/tbody>/)?.[1] ?? '';
  return body.match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
}

describe.each(testDatabaseKinds())('the portal’s invoices and payments on %s', (kind) => {
  let t: TestLedger;
  let planId: string;
  /** Tenant B's own plan: a scope cannot subscribe to another's. */
  let planOfB: string;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestLedger(kind);
    planId = (await monthlyPlan(t, 'pro', 2_000, { name: 'Pro' })).id;
    planOfB = (await monthlyPlan(t, 'pro', 3_000, { name: 'Pro' }, t.keyB)).id;
  });
  afterAll(() => t?.close());

  function newCustomer(extra: Record<string, unknown> = {}, key?: string) {
    seq++;
    return createCustomer<WireCustomer>(
      t,
      { name: `Portal Payer ${seq}`, email: `portal-payer-${seq}@example.com`, ...extra },
      key,
    );
  }

  async function addCard(customerId: string, token: string, key?: string) {
    const res = await t.rest<{ id: string }>(
      'POST',
      `/ledger/customers/${customerId}/payment-methods`,
      { body: { token, make_default: true }, ...(key ? { key } : {}) },
    );
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  /** A draft invoice of a new subscription to Pro (the plan of `key`'s scope, A by default). */
  async function draft(customerId: string, key?: string) {
    const sub = await subscribe(t, customerId, key === t.keyB ? planOfB : planId, {}, key);
    return createInvoice(t, sub.id, key);
  }

  /** A finalized invoice: with no card on file it stays `open` (`no_payment_method`). */
  async function issued(customerId: string, key?: string) {
    const invoice = await draft(customerId, key);
    const res = await t.rest<WireInvoice>('POST', `/ledger/invoices/${invoice.id}/finalize`, {
      ...(key ? { key } : {}),
    });
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  async function invoice(id: string, key?: string) {
    const res = await t.rest<WireInvoice>('GET', `/ledger/invoices/${id}`, {
      ...(key ? { key } : {}),
    });
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  async function paymentsOf(customerId: string, key?: string) {
    const res = await t.rest<WireList<WirePayment>>(
      'GET',
      `/ledger/payments?customer_id=${customerId}&limit=100`,
      { ...(key ? { key } : {}) },
    );
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  }

  it('lists the finalized invoices newest first, each linking to its page, drafts left out', async () => {
    const customer = await newCustomer();
    const older = await issued(customer.id);
    const newer = await issued(customer.id);
    const unissued = await draft(customer.id);
    const portal = await openPortal(t, customer.id);

    const list = await portal.get('/portal/invoices');
    expect(list.status, list.html).toBe(200);
    const rows = bodyRows(list);
    expect(rows).toHaveLength(2);
    for (const [row, wire] of [
      [rows[0], newer],
      [rows[1], older],
    ] as const) {
      expect(row).toContain(`href="/portal/invoices/${wire.id}"`);
      expect(row).toContain(`>${wire.number}<`);
      expect(row).toContain(escaped(wire.total.display));
      expect(row).toContain('Open');
    }
    expect(list.html).not.toContain(unissued.id);
    // The menu marks the page, and the overview links to it.
    expect(list.html).toContain('<a href="/portal/invoices" aria-current="page">Invoices</a>');
    expect((await portal.get('/portal')).html).toContain('href="/portal/payments"');
  });

  it('shows an invoice with the numbers REST has, its tax and FX notes, and its PDF links', async () => {
    // A EUR customer in Germany on a USD plan: converted (FX note) and taxed at DE's 19%.
    const customer = await newCustomer({
      currency: 'EUR',
      billing_address: { line1: '1 Hauptstraße', city: 'Berlin', country: 'DE' },
    });
    const open = await issued(customer.id);
    const wire = await invoice(open.id);
    expect(wire.tax).toMatchObject({ rate: '0.19', jurisdiction: 'DE', reason: 'taxable' });
    expect(wire.fx).toMatchObject({ from: 'USD', rate: '0.94' });
    const portal = await openPortal(t, customer.id);

    const res = await portal.get(`/portal/invoices/${wire.id}`);
    expect(res.status, res.html).toBe(200);
    expect(res.html).toContain(`<h1>Invoice ${wire.number}</h1>`);
    for (const line of wire.line_items) {
      expect(res.html).toContain(
        `<td>${escaped(line.description)}</td><td class="num">${escaped(line.amount.display)}</td>`,
      );
    }
    const row = (label: string, money: WireMoney) =>
      `<th scope="row">${label}</th><td class="num">${escaped(money.display)}</td>`;
    expect(res.html).toContain(row('Subtotal', wire.subtotal));
    expect(res.html).toContain(row('Tax (19%, DE)', wire.tax.amount));
    expect(res.html).toContain(row('Total', wire.total));
    expect(res.html).toContain(row('Amount due', wire.amount_due));
    expect(res.html).toContain(row('Amount paid', wire.amount_paid));
    expect(res.html).toContain(row('Credit applied', wire.credit_applied));
    expect(res.html).toContain(
      `Prices in USD were converted to EUR at 0.94, the rate as of ${wire.fx?.as_of}. Source: ${escaped(wire.fx?.source ?? '')}.`,
    );
    expect(res.html).toContain(`href="/portal/invoices/${wire.id}/invoice.pdf"`);
    // Not paid: no receipt yet; owed: Pay now.
    expect(res.html).not.toContain('receipt.pdf');
    expect(res.html).toContain(`action="/portal/invoices/${wire.id}/pay"`);

    // A customer under the reverse charge: no tax, and the note says why.
    const reverse = await newCustomer({ tax_exempt: 'reverse' });
    const untaxed = await issued(reverse.id);
    expect(untaxed.tax).toMatchObject({ amount: { amount: 0 }, reason: 'reverse_charge' });
    const theirs = await (await openPortal(t, reverse.id)).get(`/portal/invoices/${untaxed.id}`);
    expect(theirs.status).toBe(200);
    expect(theirs.html).toContain('Reverse charge: VAT to be accounted for by the recipient.');
    expect(theirs.html).toContain(row('Tax (reverse charge)', untaxed.tax.amount));
    expect(theirs.html).not.toContain('were converted');
  });

  it('pays an open invoice with the default card: 303 with a flash, paid over REST, invoice.paid', async () => {
    const customer = await newCustomer();
    const open = await issued(customer.id);
    expect(open.status).toBe('open');
    await addCard(customer.id, 'tok_visa');
    const portal = await openPortal(t, customer.id);

    const paid = await portal.post(`/portal/invoices/${open.id}/pay`);
    expect(paid.status, paid.html).toBe(303);
    expect(paid.location).toBe(`/portal/invoices/${open.id}?done=paid`);
    const after = await invoice(open.id);
    expect(after).toMatchObject({ status: 'paid', amount_paid: { amount: 2_000 } });

    const page = await portal.get(paid.location ?? '');
    expect(page.status).toBe(200);
    expect(page.html).toContain(`Paid: ${escaped(after.amount_paid.display)}`);
    expect(page.html).toContain(`href="/portal/invoices/${open.id}/receipt.pdf"`);
    expect(page.html).not.toContain(`action="/portal/invoices/${open.id}/pay"`);
    expect(page.html).toContain('visa ending in 4242');

    const events = await t.rest<WireList<{ data: { object: { id: string } } }>>(
      'GET',
      `/ledger/events?type=invoice.paid&customer_id=${customer.id}`,
    );
    expect(events.body.data.map((event) => event.data.object.id)).toEqual([open.id]);

    // Paying it again is refused in words, and nothing more is charged.
    const again = await portal.post(`/portal/invoices/${open.id}/pay`);
    expect(again.status).toBe(400);
    expect(again.html).toContain('This invoice is not owed any more.');
    expect((await paymentsOf(customer.id)).map((p) => p.status)).toEqual(['succeeded']);
  });

  it('answers a declined card with 402 and its message, the invoice not paid', async () => {
    const customer = await newCustomer();
    const open = await issued(customer.id);
    await addCard(customer.id, 'tok_chargeCustomerFail');
    const portal = await openPortal(t, customer.id);

    const declined = await portal.post(`/portal/invoices/${open.id}/pay`);
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('Your payment did not go through: Your card was declined.');
    expect(declined.html).toContain('aria-describedby="pay-error"');
    // The invoice page again, with Pay now still there to try another card.
    expect(declined.html).toContain(`action="/portal/invoices/${open.id}/pay"`);
    const after = await invoice(open.id);
    // As `POST /ledger/invoices/{id}/pay` does: the decline is recorded, nothing is collected.
    expect(after).toMatchObject({ status: 'past_due', amount_paid: { amount: 0 } });
    const payments = await paymentsOf(customer.id);
    expect(payments.map((p) => p.status)).toEqual(['failed']);
  });

  it('asks for a card first when there is no default card, and charges nothing', async () => {
    const customer = await newCustomer();
    const open = await issued(customer.id);
    const portal = await openPortal(t, customer.id);

    const refused = await portal.post(`/portal/invoices/${open.id}/pay`);
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Add a card first');
    expect(refused.html).toContain('href="/portal/payment-methods"');
    expect((await invoice(open.id)).status).toBe('open');
    expect(await paymentsOf(customer.id)).toEqual([]);
  });

  it('lists every payment of the customer with amount, card, status and failure reason', async () => {
    const customer = await newCustomer();
    const failing = await addCard(customer.id, 'tok_chargeCustomerFail');
    const pastDue = await issued(customer.id);
    expect(pastDue.status).toBe('past_due');
    await addCard(customer.id, 'tok_visa');
    const removed = await t.rest(
      'DELETE',
      `/ledger/customers/${customer.id}/payment-methods/${failing}`,
    );
    expect(removed.status, removed.text).toBe(204);
    // Someone else's payment in the same scope never shows.
    const other = await newCustomer();
    await addCard(other.id, 'tok_mastercard');
    await issued(other.id);
    const portal = await openPortal(t, customer.id);
    expect((await portal.post(`/portal/invoices/${pastDue.id}/pay`)).status).toBe(303);

    const res = await portal.get('/portal/payments');
    expect(res.status, res.html).toBe(200);
    const wire = await paymentsOf(customer.id);
    expect(wire.map((p) => p.status)).toEqual(['succeeded', 'failed']);
    const rows = bodyRows(res);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain(escaped(wire[0]?.amount.display ?? '?'));
    expect(rows[0]).toContain('visa ending in 4242');
    expect(rows[0]).toContain('Succeeded');
    // The declining card was removed since; the history still names it.
    expect(rows[1]).toContain('visa ending in 0341');
    expect(rows[1]).toContain('Failed');
    expect(rows[1]).toContain(escaped(wire[1]?.failure_message ?? '?'));
    expect(rows[1]).toContain(`href="/portal/invoices/${pastDue.id}"`);
    expect(res.html).not.toContain('mastercard');
  });

  it('answers 404 for another customer’s invoice, another scope’s, a draft and a malformed id', async () => {
    const customer = await newCustomer();
    const other = await newCustomer();
    const theirs = await issued(other.id);
    await addCard(other.id, 'tok_visa');
    const elsewhere = await newCustomer({}, t.keyB);
    const theirsInB = await issued(elsewhere.id, t.keyB);
    const mine = await draft(customer.id);
    await addCard(customer.id, 'tok_visa');
    const portal = await openPortal(t, customer.id);

    for (const id of [theirs.id, theirsInB.id, mine.id, 'inv_nonsense', 'x']) {
      const page = await portal.get(`/portal/invoices/${id}`);
      expect(page.status, id).toBe(404);
      expect(page.html).toContain('There is no such page in your billing portal.');
      expect((await portal.post(`/portal/invoices/${id}/pay`)).status, id).toBe(404);
    }
    // The other customers' open invoices and the draft were not touched.
    expect(await invoice(theirs.id)).toMatchObject({ status: 'open', amount_paid: { amount: 0 } });
    const openOfB = await invoice(theirsInB.id, t.keyB);
    expect(openOfB).toMatchObject({ status: 'open', amount_paid: { amount: 0 } });
    expect((await invoice(mine.id)).status).toBe('draft');
    expect(await paymentsOf(customer.id)).toEqual([]);
  });

  it('refuses a form with a wrong CSRF token or from another site, paying nothing', async () => {
    const customer = await newCustomer();
    const open = await issued(customer.id);
    await addCard(customer.id, 'tok_visa');
    const portal = await openPortal(t, customer.id);
    const path = `/portal/invoices/${open.id}/pay`;

    const forged = await portal.post(path, { _csrf: 'not-the-token' });
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('This form could not be sent');
    const evil = await portal.post(path, {}, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    const crossSite = await portal.post(path, {}, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect((await invoice(open.id)).status).toBe('open');
    expect(await paymentsOf(customer.id)).toEqual([]);

    // The same form from the portal's own page goes through.
    expect((await portal.post(path)).status).toBe(303);
    expect((await invoice(open.id)).status).toBe('paid');
  });

  it('answers 404 for every page and Pay now while invoice_history is off', async () => {
    const setHistory = async (enabled: boolean) => {
      const res = await t.rest('PUT', '/ledger/portal/configuration', {
        key: t.keyB,
        body: { features: { invoice_history: { enabled } } },
      });
      expect(res.status, res.text).toBe(200);
    };
    const customer = await newCustomer({}, t.keyB);
    const open = await issued(customer.id, t.keyB);
    await addCard(customer.id, 'tok_visa', t.keyB);
    const portal = await openPortal(t, customer.id, { key: t.keyB });
    expect((await portal.get('/portal/invoices')).status).toBe(200);

    await setHistory(false);
    try {
      for (const path of ['/portal/invoices', `/portal/invoices/${open.id}`, '/portal/payments']) {
        const page = await portal.get(path);
        expect(page.status, path).toBe(404);
        expect(page.html).toContain('There is no such page in your billing portal.');
      }
      expect((await portal.post(`/portal/invoices/${open.id}/pay`)).status).toBe(404);
      expect((await invoice(open.id, t.keyB)).status).toBe('open');
      const overview = await portal.get('/portal');
      expect(overview.status).toBe(200);
      expect(overview.html).not.toContain('href="/portal/invoices"');
      expect(overview.html).not.toContain('href="/portal/payments"');
    } finally {
      await setHistory(true);
    }
  });
});
