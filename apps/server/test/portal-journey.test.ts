import { readFile } from 'node:fs/promises';
import { serviceContext } from '@ledger/api';
import { formatMoney, type PlanId, previewPlanChange, type SubscriptionId } from '@ledger/domain';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, phoneContext, seriousViolations, withPage } from './browser.js';
import { startTestLedger, type TestLedger } from './harness.js';
import { pdfText } from './pdf-text.js';
import {
  createCustomer,
  createInvoice,
  DAY,
  manualClock,
  monthlyPlan,
  scopeA,
  subscribe,
  type Wire,
  type WireCustomer,
  type WireInvoice,
  type WireList,
  type WireMoney,
  type WireSubscription,
} from './support.js';

/**
 * The billing portal as a customer uses it, in real headless Chromium at 375 px (issue 11,
 * point 7): the whole journey from the API's link through every action and back to
 * `return_url`, each change checked over REST with its event; the declined card and invalid tax
 * ID messages beside their fields; CSRF refusal; another customer's ids answering 404; axe-core
 * and the phone's width on every page. The server's clock stands still (in the future, so the
 * browser keeps the session cookie), so the prorated amount is the domain's at that instant.
 */

const BROWSER_TIMEOUT_MS = 180_000;
const RETURN_URL = 'https://app.example.com/account';
const BUSINESS = 'Acme Cloud';
const CA = {
  line1: '1 Market St',
  city: 'Sacramento',
  state: 'CA',
  postal_code: '95814',
  country: 'US',
};

interface WireMethod {
  id: string;
  card: { brand: string; last4: string };
}
interface WirePayment {
  id: string;
  status: string;
  amount: WireMoney;
  payment_method_id: string | null;
}
interface WireEvent {
  id: string;
  type: string;
  data: { object: Record<string, unknown>; previous_attributes: Record<string, unknown> | null };
}

/** A customer with something to see and do: an address, a Basic subscription, an open invoice. */
interface Fixture {
  customer: WireCustomer;
  subscription: WireSubscription;
  invoice: WireInvoice;
}

const time = manualClock('2027-05-01T00:00:00.000Z');
let t: TestLedger;
let browser: Browser;
let basic: Wire;
let premium: Wire;
let seq = 0;

beforeAll(async () => {
  t = await startTestLedger('pglite', { clock: time.clock });
  browser = await launchChromium();
  basic = await monthlyPlan(t, 'journey-basic', 3000, { name: 'Basic' });
  premium = await monthlyPlan(t, 'journey-premium', 6000, { name: 'Premium' });
  const configured = await t.rest('PUT', '/ledger/portal/configuration', {
    body: {
      business: {
        name: BUSINESS,
        support_email: 'billing@acme.example',
        privacy_policy_url: 'https://acme.example/privacy',
        terms_of_service_url: 'https://acme.example/terms',
      },
    },
  });
  expect(configured.status, configured.text).toBe(200);
}, BROWSER_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function get<T>(path: string): Promise<T> {
  const res = await t.rest<T>('GET', path);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

const customerOf = (id: string) => get<WireCustomer>(`/ledger/customers/${id}`);
const invoiceOf = (id: string) => get<WireInvoice>(`/ledger/invoices/${id}`);
const subscriptionOf = (id: string) => get<WireSubscription>(`/ledger/subscriptions/${id}`);
const methodsOf = async (id: string) =>
  (await get<WireList<WireMethod>>(`/ledger/customers/${id}/payment-methods`)).data;
/** The customer's events over REST, newest first. */
const eventsOf = async (id: string) =>
  (await get<WireList<WireEvent>>(`/ledger/events?customer_id=${id}&limit=100`)).data;

/** The events a step emitted: those newer than the `before` list. */
async function eventsAfter(customerId: string, before: readonly WireEvent[]) {
  const seen = new Set(before.map((event) => event.id));
  return (await eventsOf(customerId)).filter((event) => !seen.has(event.id));
}

/** A customer with a billing address, subscribed to Basic, its first invoice open (no card). */
async function fixture(name: string): Promise<Fixture> {
  seq++;
  const customer = await createCustomer<WireCustomer>(t, {
    name,
    email: `journey-${seq}@example.com`,
    billing_address: CA,
  });
  const subscription = await subscribe(t, customer.id, basic.id);
  const draft = await createInvoice(t, subscription.id);
  const finalized = await t.rest<WireInvoice>('POST', `/ledger/invoices/${draft.id}/finalize`);
  expect(finalized.status, finalized.text).toBe(200);
  expect(finalized.body.status).toBe('open');
  return { customer, subscription, invoice: finalized.body };
}

/** A portal link made over the API (`POST /ledger/customers/{id}/portal`). */
async function portalLink(customerId: string, body: Record<string, unknown> = {}) {
  const res = await t.rest<{ id: string; url: string; return_url: string }>(
    'POST',
    `/ledger/customers/${customerId}/portal`,
    { body: { return_url: RETURN_URL, ...body } },
  );
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** A fresh phone-sized browser (its own cookies) for one test, closed afterwards. */
async function inBrowser<T>(
  name: string,
  body: (page: Page, context: BrowserContext) => Promise<T>,
  options: { bypassCSP?: boolean } = {},
): Promise<T> {
  const context = await phoneContext(browser, options);
  try {
    return await withPage(context, name, (page) => body(page, context));
  } finally {
    await context.close();
  }
}

/**
 * Clicks what submits a form or follows a link and waits for the page it lands on (after any
 * 303): that page's status.
 */
async function clickToPage(page: Page, target: Locator): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse(
      (res) =>
        res.request().isNavigationRequest() &&
        res.request().frame() === page.mainFrame() &&
        (res.status() < 300 || res.status() >= 400),
    ),
    target.click(),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

/** No horizontal scrolling at 375 px: the page fits the phone's width. */
async function fitsPhone(page: Page): Promise<void> {
  const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  expect(width, page.url()).toBeLessThanOrEqual(375);
}

/** The message a field points at (`aria-describedby`), and that it is marked invalid. */
async function fieldMessage(page: Page, field: Locator): Promise<string> {
  expect(await field.getAttribute('aria-invalid')).toBe('true');
  const ids = (await field.getAttribute('aria-describedby')) ?? '';
  const id = ids.split(' ').find((each) => each.endsWith('-error'));
  if (!id) throw new Error(`no error message is described by the field: "${ids}"`);
  return (await page.locator(`[id="${id}"]`).textContent()) ?? '';
}

/** Downloads what a link of the page offers, as a user's click does: the name and the bytes. */
async function download(page: Page, link: Locator) {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), bytes: new Uint8Array(await readFile(path)) };
}

/** The card form filled as a person types it. */
async function typeCard(page: Page, number: string, makeDefault: boolean): Promise<void> {
  await page.getByLabel('Card number').pressSequentially(number);
  await page.getByLabel('Expiry date (MM/YY)').fill('12/34');
  await page.getByLabel('Security code (CVC)').fill('123');
  if (makeDefault) await page.getByLabel('Make this my default card').check();
}

/** What a test touches of a DOM element (this package's TypeScript has no DOM library). */
interface Attributes {
  setAttribute(name: string, value: string): void;
}
/** A button, and the form it submits. */
interface FormButton {
  form: (Attributes & { querySelector(selector: string): Attributes | null }) | null;
}

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Billing portal' }).getByRole('link', { name });

describe('the billing portal journey in Chromium', () => {
  it(
    'takes a customer from the API’s link through every action and back to return_url',
    async () => {
      const { customer, subscription, invoice } = await fixture('Journey Jo');
      // Ten days into the period: the plan change is prorated.
      time.advance(10 * DAY + 3_600_000);
      const link = await portalLink(customer.id);
      expect(link.return_url).toBe(RETURN_URL);

      await inBrowser('journey', async (page) => {
        // Overview.
        const opened = await page.goto(link.url);
        expect(opened?.status()).toBe(200);
        expect(new URL(page.url()).pathname).toBe('/portal');
        expect(await heading(page)).toBe('Your billing');
        await expect(page.getByText('Journey Jo').count()).resolves.toBeGreaterThan(0);
        await expect(page.getByText('Default card: none').count()).resolves.toBe(1);
        await expect(page.getByText(/Basic/).count()).resolves.toBeGreaterThan(0);
        await fitsPhone(page);

        // Payment methods: add 4242 4242 4242 4242 as the default card.
        let before = await eventsOf(customer.id);
        await clickToPage(page, nav(page, 'Payment methods'));
        expect(await heading(page)).toBe('Payment methods');
        await expect(page.getByText('No cards yet.').count()).resolves.toBe(1);
        await clickToPage(page, page.getByRole('link', { name: 'Add a card' }));
        expect(await heading(page)).toBe('Add a card');
        await fitsPhone(page);
        await typeCard(page, '4242 4242 4242 4242', true);
        expect(await clickToPage(page, page.getByRole('button', { name: 'Add card' }))).toBe(200);
        expect(page.url()).toBe(`${t.url}/portal/payment-methods?done=card_added`);
        expect(await page.getByRole('status').textContent()).toBe('Card added.');
        await expect(
          page.getByRole('rowheader', { name: 'Visa ending in 4242' }).count(),
        ).resolves.toBe(1);
        await fitsPhone(page);
        const methods = await methodsOf(customer.id);
        expect(methods).toHaveLength(1);
        const card = methods[0];
        if (!card) throw new Error('no card saved');
        expect(card.card).toMatchObject({ brand: 'visa', last4: '4242' });
        expect((await customerOf(customer.id)).default_payment_method).toBe(card.id);
        expect((await eventsAfter(customer.id, before)).map((e) => e.type)).toContain(
          'customer.payment_method.added',
        );

        // Invoices → the invoice → Pay now.
        await clickToPage(page, nav(page, 'Invoices'));
        expect(await heading(page)).toBe('Invoices');
        await fitsPhone(page);
        const number = invoice.number;
        if (!number) throw new Error('a finalized invoice has a number');
        await clickToPage(page, page.getByRole('link', { name: number }));
        expect(await heading(page)).toBe(`Invoice ${number}`);
        await fitsPhone(page);
        before = await eventsOf(customer.id);
        const pay = page.getByRole('button', { name: `Pay now ${invoice.amount_due.display}` });
        expect(await clickToPage(page, pay)).toBe(200);
        expect(page.url()).toBe(`${t.url}/portal/invoices/${invoice.id}?done=paid`);
        const paid = await invoiceOf(invoice.id);
        expect(paid).toMatchObject({ status: 'paid', amount_paid: invoice.amount_due });
        expect(await page.getByRole('status').textContent()).toBe(
          `Paid: ${paid.amount_paid.display}`,
        );
        await expect(page.getByRole('button', { name: /^Pay now/ }).count()).resolves.toBe(0);
        const payEvents = (await eventsAfter(customer.id, before)).map((e) => e.type);
        expect(payEvents).toEqual(expect.arrayContaining(['invoice.paid', 'payment.succeeded']));
        const payments = (
          await get<WireList<WirePayment>>(`/ledger/payments?invoice_id=${invoice.id}`)
        ).data;
        expect(payments.map((p) => [p.status, p.payment_method_id])).toEqual([
          ['succeeded', card.id],
        ]);

        // The receipt and the invoice as PDFs, read back as text.
        const receipt = await download(
          page,
          page.getByRole('link', { name: 'Download the receipt (PDF)' }),
        );
        expect(receipt.name).toBe(`receipt-${number}.pdf`);
        const receiptText = await pdfText(receipt.bytes);
        expect(receiptText).toContain(`Receipt number RCPT-${number}`);
        expect(receiptText).toContain(`Invoice number ${number}`);
        expect(receiptText).toContain(`Amount paid ${paid.amount_paid.display}`);
        expect(receiptText.toLowerCase()).toContain(
          `${card.card.brand} ending in ${card.card.last4}`,
        );
        expect(receiptText).toContain(BUSINESS);
        const invoicePdf = await download(
          page,
          page.getByRole('link', { name: 'Download the invoice (PDF)' }),
        );
        expect(invoicePdf.name).toBe(`invoice-${number}.pdf`);
        const invoiceText = await pdfText(invoicePdf.bytes);
        expect(invoiceText).toContain(`Invoice number ${number}`);
        expect(invoiceText).toContain(`Total ${paid.total.display}`);
        expect(invoiceText).toContain(`Amount paid ${paid.amount_paid.display}`);
        expect(invoiceText).toContain('Journey Jo');
        expect(invoiceText).toContain(CA.line1);

        // Payment history shows the payment.
        await clickToPage(page, nav(page, 'Payment history'));
        expect(await heading(page)).toBe('Payment history');
        const row = page.getByRole('row').filter({ hasText: paid.amount_paid.display });
        await expect(row.count()).resolves.toBe(1);
        await expect(row.getByText('visa ending in 4242').count()).resolves.toBe(1);
        await fitsPhone(page);

        // Subscriptions: change to Premium, the prorated amount shown first.
        await clickToPage(page, nav(page, 'Subscriptions'));
        expect(await heading(page)).toBe('Subscriptions');
        await fitsPhone(page);
        await clickToPage(page, page.getByRole('link', { name: 'Switch to Premium' }));
        expect(await heading(page)).toBe('Switch to Premium');
        await fitsPhone(page);
        const expected = await previewPlanChange(serviceContext(t.server.ledger.deps, scopeA), {
          id: subscription.id as SubscriptionId,
          planId: premium.id as PlanId,
        });
        expect(expected.amount.amount).toBeGreaterThan(0);
        const shown = formatMoney(expected.amount);
        await expect(
          page
            .getByText(`${shown} is added to your next invoice for the rest of this period.`)
            .count(),
        ).resolves.toBe(1);
        for (const line of expected.lines) {
          const lineRow = page.getByRole('row').filter({ hasText: line.description });
          expect(await lineRow.getByRole('cell').last().textContent()).toBe(
            formatMoney(line.amount),
          );
        }
        // Looking is free.
        expect((await subscriptionOf(subscription.id)).plan_id).toBe(basic.id);
        before = await eventsOf(customer.id);
        await clickToPage(page, page.getByRole('button', { name: 'Confirm change' }));
        expect(page.url()).toBe(`${t.url}/portal/subscriptions?done=plan_changed`);
        expect(await page.getByRole('status').textContent()).toBe('Plan changed.');
        expect((await subscriptionOf(subscription.id)).plan_id).toBe(premium.id);
        const changed = (await eventsAfter(customer.id, before)).filter(
          (e) => e.type === 'subscription.updated',
        );
        expect(changed).toHaveLength(1);
        expect(changed[0]?.data.previous_attributes).toMatchObject({ plan_id: basic.id });

        // Cancel at period end, with a reason.
        before = await eventsOf(customer.id);
        await page.getByLabel('Why are you canceling? (optional)').fill('Trying another tool');
        await clickToPage(page, page.getByRole('button', { name: 'Cancel at period end' }));
        expect(await page.getByRole('status').textContent()).toBe(
          'Your subscription will end at the end of the current period.',
        );
        const ending = await subscriptionOf(subscription.id);
        expect(ending).toMatchObject({
          status: 'active',
          cancel_at: ending.current_period_end,
          metadata: { cancellation_reason: 'Trying another tool' },
        });
        expect(ending.cancel_at).not.toBeNull();
        const canceled = (await eventsAfter(customer.id, before)).filter(
          (e) => e.type === 'subscription.updated',
        );
        expect(canceled).toHaveLength(1);
        expect(canceled[0]?.data.previous_attributes).toMatchObject({ cancel_at: null });
        await fitsPhone(page);

        // Undo: the keyboard is enough.
        before = await eventsOf(customer.id);
        const keep = page.getByRole('button', { name: 'Keep my subscription' });
        await keep.focus();
        const landed = page.waitForURL('**/portal/subscriptions?done=cancel_undone');
        await page.keyboard.press('Enter');
        await landed;
        expect(await page.getByRole('status').textContent()).toBe(
          'Your subscription will renew as before.',
        );
        expect(await subscriptionOf(subscription.id)).toMatchObject({
          status: 'active',
          cancel_at: null,
          plan_id: premium.id,
        });
        const undone = (await eventsAfter(customer.id, before)).filter(
          (e) => e.type === 'subscription.updated',
        );
        expect(undone).toHaveLength(1);
        expect(undone[0]?.data.previous_attributes).toMatchObject({
          cancel_at: ending.cancel_at,
        });

        // Billing details: a new name.
        before = await eventsOf(customer.id);
        await clickToPage(page, nav(page, 'Billing details'));
        expect(await heading(page)).toBe('Billing details');
        await fitsPhone(page);
        const name = page.getByLabel('Name', { exact: true });
        expect(await name.inputValue()).toBe('Journey Jo');
        await name.fill('Journey Jo Ltd');
        await clickToPage(page, page.getByRole('button', { name: 'Save details' }));
        expect(page.url()).toBe(`${t.url}/portal/billing-details?done=details_saved`);
        expect(await page.getByRole('status').textContent()).toBe('Billing details saved.');
        const renamed = await customerOf(customer.id);
        expect(renamed).toMatchObject({ name: 'Journey Jo Ltd', billing_address: CA });
        const updated = (await eventsAfter(customer.id, before)).filter(
          (e) => e.type === 'customer.updated',
        );
        expect(updated).toHaveLength(1);
        expect(updated[0]?.data.previous_attributes).toMatchObject({ name: 'Journey Jo' });

        // Back to the app, which is return_url (a stub page here: no network).
        let referer: string | null = 'unread';
        await page.route('https://app.example.com/**', async (route) => {
          referer = await route.request().headerValue('referer');
          await route.fulfill({
            status: 200,
            contentType: 'text/html',
            body: '<!doctype html><html lang="en"><title>App</title><h1>Your account</h1></html>',
          });
        });
        const back = page.getByRole('link', { name: `Back to ${BUSINESS}` });
        expect(await back.getAttribute('href')).toBe(RETURN_URL);
        await back.click();
        await page.waitForURL(RETURN_URL);
        expect(await heading(page)).toBe('Your account');
        // Referrer-Policy: no-referrer: the app is not told the portal's address.
        expect(referer).toBeNull();
      });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'shows a declined card’s message beside the card number and saves nothing',
    async () => {
      const { customer } = await fixture('Declined Dee');
      const link = await portalLink(customer.id);
      await inBrowser('declined-card', async (page) => {
        await page.goto(link.url);
        const before = await eventsOf(customer.id);
        await page.goto(`${t.url}/portal/payment-methods/add`);
        await typeCard(page, '4000 0000 0000 0002', true);
        expect(await clickToPage(page, page.getByRole('button', { name: 'Add card' }))).toBe(402);
        expect(await heading(page)).toBe('Add a card');
        expect(await page.getByRole('alert').first().textContent()).toBe('The card was not added.');
        const number = page.getByLabel('Card number');
        expect(await fieldMessage(page, number)).toBe('Your card was declined.');
        expect(await number.inputValue()).toBe('4000 0000 0000 0002');
        expect(await page.getByLabel('Security code (CVC)').inputValue()).toBe('');
        await fitsPhone(page);
        expect(await methodsOf(customer.id)).toEqual([]);
        expect((await customerOf(customer.id)).default_payment_method).toBeNull();
        expect(await eventsAfter(customer.id, before)).toEqual([]);
      });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'shows an invalid tax ID’s message beside the field and saves nothing',
    async () => {
      const { customer } = await fixture('Taxing Tam');
      const link = await portalLink(customer.id);
      await inBrowser('invalid-tax-id', async (page) => {
        await page.goto(link.url);
        const before = await eventsOf(customer.id);
        await clickToPage(page, nav(page, 'Billing details'));
        const form = page.getByRole('group', { name: 'Add a tax ID' });
        await form.getByLabel('Type').selectOption({ label: 'EU VAT number' });
        await form.getByLabel('Number').fill('DE12');
        expect(await clickToPage(page, page.getByRole('button', { name: 'Add tax ID' }))).toBe(400);
        expect(await page.getByRole('alert').textContent()).toBe(
          'Please correct the fields marked below.',
        );
        const value = form.getByLabel('Number');
        expect(await fieldMessage(page, value)).toMatch(/\S/);
        expect(await value.inputValue()).toBe('DE12');
        await expect(page.getByText('No tax IDs.').count()).resolves.toBe(1);
        await fitsPhone(page);
        expect((await customerOf(customer.id)).tax_ids).toEqual([]);
        expect(await eventsAfter(customer.id, before)).toEqual([]);
      });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'refuses a form whose CSRF token was tampered with, or sent from elsewhere, and changes nothing',
    async () => {
      const { customer } = await fixture('Forged Fay');
      const link = await portalLink(customer.id);
      await inBrowser('csrf', async (page) => {
        await page.goto(link.url);
        const before = await eventsOf(customer.id);
        await clickToPage(page, nav(page, 'Billing details'));
        await page.getByLabel('Name', { exact: true }).fill('Mallory');
        const details = page.locator('form[action="/portal/billing-details"]');
        await details.locator('input[name=_csrf]').evaluate((input: Attributes) => {
          input.setAttribute('value', 'forged-token');
        });
        expect(await clickToPage(page, page.getByRole('button', { name: 'Save details' }))).toBe(
          403,
        );
        expect(await heading(page)).toBe('This form could not be sent');
        await fitsPhone(page);

        // The right token with the session's cookie, but posted by another site: refused too.
        await page.goBack();
        const token = await page.locator('input[name=_csrf]').first().inputValue();
        const crossSite = await page.request.post(`${t.url}/portal/billing-details`, {
          form: { _csrf: token, name: 'Mallory' },
          headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
          maxRedirects: 0,
        });
        expect(crossSite.status()).toBe(403);
        const wrong = await page.request.post(`${t.url}/portal/billing-details`, {
          form: { _csrf: `${token.slice(0, -1)}x`, name: 'Mallory' },
          headers: { Origin: new URL(t.url).origin },
          maxRedirects: 0,
        });
        expect(wrong.status()).toBe(403);

        expect((await customerOf(customer.id)).name).toBe('Forged Fay');
        expect(await eventsAfter(customer.id, before)).toEqual([]);
      });
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'answers 404 for another customer’s invoice, subscription and card, and leaves them as they were',
    async () => {
      const mine = await fixture('Own Olga');
      const theirs = await fixture('Other Otto');
      const theirCard = await t.rest<WireMethod>(
        'POST',
        `/ledger/customers/${theirs.customer.id}/payment-methods`,
        { body: { token: 'tok_visa', make_default: true } },
      );
      expect(theirCard.status, theirCard.text).toBe(201);
      const myCard = await t.rest<WireMethod>(
        'POST',
        `/ledger/customers/${mine.customer.id}/payment-methods`,
        { body: { token: 'tok_mastercard', make_default: true } },
      );
      expect(myCard.status, myCard.text).toBe(201);
      const theirsBefore = await eventsOf(theirs.customer.id);
      const link = await portalLink(mine.customer.id);

      await inBrowser('other-customer', async (page) => {
        await page.goto(link.url);
        const foreign = [
          `/portal/invoices/${theirs.invoice.id}`,
          `/portal/invoices/${theirs.invoice.id}/invoice.pdf`,
          `/portal/subscriptions/${theirs.subscription.id}/change?plan=${premium.id}`,
        ];
        for (const path of foreign) {
          const res = await page.goto(`${t.url}${path}`);
          expect({ path, status: res?.status() }).toEqual({ path, status: 404 });
          expect(await heading(page)).toBe('Not found');
          await expect(page.getByText('Other Otto').count()).resolves.toBe(0);
        }
        await fitsPhone(page);

        // My own Remove button, its form pointed at their card.
        await page.goto(`${t.url}/portal/payment-methods`);
        const token = await page.locator('input[name=_csrf]').first().inputValue();
        const remove = page.getByRole('button', { name: 'Remove (Mastercard ending in 4444)' });
        await remove.evaluate((button: FormButton, id: string) => {
          button.form?.setAttribute('action', `/portal/payment-methods/${id}/remove`);
        }, theirCard.body.id);
        expect(await clickToPage(page, remove)).toBe(404);
        expect(await heading(page)).toBe('Not found');

        // Pay their invoice with my session: the same 404.
        const pay = await page.request.post(`${t.url}/portal/invoices/${theirs.invoice.id}/pay`, {
          form: { _csrf: token },
          headers: { Origin: new URL(t.url).origin },
          maxRedirects: 0,
        });
        expect(pay.status()).toBe(404);
      });

      expect((await methodsOf(theirs.customer.id)).map((m) => m.id)).toEqual([theirCard.body.id]);
      expect((await customerOf(theirs.customer.id)).default_payment_method).toBe(theirCard.body.id);
      expect(await invoiceOf(theirs.invoice.id)).toMatchObject({
        status: 'open',
        amount_paid: { amount: 0 },
      });
      expect(await subscriptionOf(theirs.subscription.id)).toMatchObject({
        plan_id: basic.id,
        cancel_at: null,
      });
      expect(await eventsAfter(theirs.customer.id, theirsBefore)).toEqual([]);
      expect((await methodsOf(mine.customer.id)).map((m) => m.id)).toEqual([myCard.body.id]);
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'has no serious or critical axe-core violation and fits 375 px on every page',
    async () => {
      const { customer, subscription, invoice } = await fixture('Axe Ada');
      const paidOne = await fixture('Axe Ada paid');
      const card = await t.rest(
        'POST',
        `/ledger/customers/${paidOne.customer.id}/payment-methods`,
        {
          body: { token: 'tok_visa', make_default: true },
        },
      );
      expect(card.status, card.text).toBe(201);
      const paid = await t.rest('POST', `/ledger/invoices/${paidOne.invoice.id}/pay`);
      expect(paid.status, paid.text).toBe(200);
      const link = await portalLink(customer.id);
      const paidLink = await portalLink(paidOne.customer.id);
      const checked: string[] = [];

      await inBrowser(
        'axe',
        async (page) => {
          /** axe-core and the phone's width on the page the browser shows now. */
          const check = async (label: string) => {
            checked.push(label);
            expect({ label, violations: await seriousViolations(page) }).toEqual({
              label,
              violations: [],
            });
            const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
            expect(width, `${label}: the page's width`).toBeLessThanOrEqual(375);
          };
          const visit = async (path: string, label: string, status = 200) => {
            const res = await page.goto(`${t.url}${path}`);
            expect({ label, status: res?.status() }).toEqual({ label, status });
            await check(label);
          };

          // The customer with an open invoice and no card.
          await page.goto(link.url);
          await check('overview');
          await visit('/portal/invoices', 'invoices');
          await visit(`/portal/invoices/${invoice.id}`, 'invoice detail (open)');
          await page.getByRole('button', { name: /^Pay now/ }).click();
          await page.waitForLoadState('load');
          await check('invoice detail (Pay now refused: no card)');
          await visit('/portal/payments', 'payments (none)');
          await visit('/portal/payment-methods', 'payment methods (none)');
          await visit('/portal/payment-methods/add', 'add-card form');
          await typeCard(page, '4000 0000 0000 0002', false);
          expect(await clickToPage(page, page.getByRole('button', { name: 'Add card' }))).toBe(402);
          await check('add-card form (declined)');
          await page.getByLabel('Card number').fill('1234');
          await page.getByLabel('Expiry date (MM/YY)').fill('13/99');
          expect(await clickToPage(page, page.getByRole('button', { name: 'Add card' }))).toBe(400);
          await check('add-card form (mistyped)');
          await visit('/portal/subscriptions', 'subscriptions');
          await visit(
            `/portal/subscriptions/${subscription.id}/change?plan=${premium.id}`,
            'change-plan preview',
          );
          await visit('/portal/billing-details', 'billing details');
          await page.getByLabel('Email').fill('not an email');
          expect(await clickToPage(page, page.getByRole('button', { name: 'Save details' }))).toBe(
            400,
          );
          await check('billing details (invalid email)');
          await page.goto(`${t.url}/portal/billing-details`);
          const taxForm = page.getByRole('group', { name: 'Add a tax ID' });
          await taxForm.getByLabel('Type').selectOption('eu_vat');
          await taxForm.getByLabel('Number').fill('DE12');
          expect(await clickToPage(page, page.getByRole('button', { name: 'Add tax ID' }))).toBe(
            400,
          );
          await check('billing details (invalid tax ID)');
          await visit('/portal/no-such-page', '404', 404);
          await visit(`/portal/invoices/${paidOne.invoice.id}`, '404 (another customer)', 404);

          // The customer who paid: a card, a receipt, a payment.
          await page.goto(paidLink.url);
          await check('overview (card)');
          await visit(`/portal/invoices/${paidOne.invoice.id}`, 'invoice detail (paid)');
          await visit('/portal/payments', 'payments');
          await visit('/portal/payment-methods', 'payment methods');
          await page.goto(`${t.url}/portal/subscriptions`);
          await page.getByRole('button', { name: 'Cancel at period end' }).click();
          await page.waitForURL('**/portal/subscriptions?done=cancel_scheduled');
          await check('subscriptions (ending)');

          // Refusals and ends.
          const keep = page.getByRole('button', { name: 'Keep my subscription' });
          await keep.evaluate((button: FormButton) => {
            button.form?.querySelector('input[name=_csrf]')?.setAttribute('value', 'forged');
          });
          expect(await clickToPage(page, keep)).toBe(403);
          await check('403 (form refused)');
          await page.goto(`${t.url}/portal`);
          await clickToPage(page, page.getByRole('button', { name: 'Sign out' }));
          await check('signed out');
          await visit('/portal', 'session ended', 401);
          await visit(new URL(link.url).pathname, 'link used', 410);
          await visit('/portal/session/not-a-token', 'unknown link', 404);
          const revoked = await portalLink(customer.id);
          const revoke = await t.rest('POST', `/ledger/portal-sessions/${revoked.id}/revoke`);
          expect(revoke.status, revoke.text).toBe(200);
          await visit(new URL(revoked.url).pathname, 'link revoked', 410);
          const expiring = await portalLink(customer.id, { expires_in: 60 });
          time.advance(61_000);
          await visit(new URL(expiring.url).pathname, 'link expired', 410);
          expect(await heading(page)).toBe('This link has expired');
        },
        { bypassCSP: true },
      );
      expect(checked).toHaveLength(28);
    },
    BROWSER_TIMEOUT_MS,
  );
});
