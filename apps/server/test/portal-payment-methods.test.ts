import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from './fake-stripe.js';
import { startTestLedger, type TestLedger } from './harness.js';
import { openPortal, type PortalPage } from './portal-support.js';
import { createCustomer, eventsOf, type Wire } from './support.js';

/**
 * The portal's payment methods page over real HTTP on both databases: add a card with Stripe's
 * test numbers (built-in test processor), a declined or mistyped number shown beside the field
 * with nothing saved, make default, remove, other customers' ids and the feature off 404; and
 * with Stripe configured (the real SDK against the fake Stripe) the SetupIntent flow, whose card
 * is saved only once Stripe says the SetupIntent succeeded for this customer.
 */

interface WireMethod {
  id: string;
  card: { brand: string; last4: string; exp_month: number; exp_year: number };
}

const methodsOf = async (t: TestLedger, customerId: string) => {
  const res = await t.rest<{ data: WireMethod[] }>(
    'GET',
    `/ledger/customers/${customerId}/payment-methods`,
  );
  expect(res.status, res.text).toBe(200);
  return res.body.data;
};

const defaultOf = async (t: TestLedger, customerId: string) =>
  (
    await t.rest<{ default_payment_method: string | null }>(
      'GET',
      `/ledger/customers/${customerId}`,
    )
  ).body.default_payment_method;

const setFeature = (t: TestLedger, features: Record<string, unknown>) =>
  t.rest('PUT', '/ledger/portal/configuration', { body: { features } });

/** The message shown beside a field, checking it is tied to the input for screen readers. */
function fieldError(page: PortalPage, name: string): string {
  const input = page.html.match(new RegExp(`<input id="field-${name}"[^>]*>`))?.[0] ?? '';
  expect(input).toContain('aria-invalid="true"');
  expect(input).toContain(`field-${name}-error`);
  const message = page.html.match(
    new RegExp(`<p class="field-error" id="field-${name}-error">([^<]*)</p>`),
  );
  return message?.[1] ?? '';
}

describe.each(testDatabaseKinds())(
  'portal payment methods with the test processor (%s)',
  (kind) => {
    let t: TestLedger;
    let email = 0;
    const customer = () => createCustomer(t, { email: `pm-${++email}@example.com` });
    const card = (number: string) => ({ number, expiry: '12/34', cvc: '123' });

    beforeAll(async () => {
      t = await startTestLedger(kind);
    });
    afterAll(() => t.close());

    it('adds 4242 4242 4242 4242 as a Visa: listed on the page and over REST, with its event', async () => {
      const c = await customer();
      const portal = await openPortal(t, c.id);
      const form = await portal.get('/portal/payment-methods/add');
      expect(form.status).toBe(200);
      expect(form.html).toContain('<label for="field-number">Card number</label>');

      const added = await portal.post('/portal/payment-methods/add', card('4242 4242 4242 4242'));
      expect(added.status, added.html).toBe(303);
      expect(added.location).toBe('/portal/payment-methods?done=card_added');

      const methods = await methodsOf(t, c.id);
      expect(methods).toHaveLength(1);
      expect(methods[0]?.card).toMatchObject({ brand: 'visa', last4: '4242' });
      // The first card becomes the default, as over the API.
      expect(await defaultOf(t, c.id)).toBe(methods[0]?.id);

      const list = await portal.get('/portal/payment-methods?done=card_added');
      expect(list.html).toContain('Card added.');
      expect(list.html).toContain('Visa ending in 4242');
      const expiry = `${String(methods[0]?.card.exp_month).padStart(2, '0')}/${methods[0]?.card.exp_year}`;
      expect(list.html).toContain(expiry);
      expect(list.html).toMatch(/<td>Default<\/td>/);

      const events = (await eventsOf(t, c.id)).filter(
        (e) => e.type === 'customer.payment_method.added',
      );
      expect(events).toHaveLength(1);
      expect(events[0]?.data.object).toMatchObject({ id: methods[0]?.id });
    });

    it('maps 5555 5555 5555 4444 to a Mastercard', async () => {
      const c = await customer();
      const portal = await openPortal(t, c.id);
      const added = await portal.post('/portal/payment-methods/add', card('5555-5555-5555-4444'));
      expect(added.status, added.html).toBe(303);
      expect((await methodsOf(t, c.id)).map((m) => m.card)).toMatchObject([
        { brand: 'mastercard', last4: '4444' },
      ]);
    });

    it('a declined number shows the decline beside the field (402) and saves nothing', async () => {
      const c = await customer();
      const portal = await openPortal(t, c.id);
      const declined = await portal.post(
        '/portal/payment-methods/add',
        card('4000 0000 0000 0002'),
      );
      expect(declined.status).toBe(402);
      expect(fieldError(declined, 'number')).toBe('Your card was declined.');
      // The typed number stays in the form; the security code is never echoed back.
      expect(declined.html).toContain('value="4000 0000 0000 0002"');
      expect(declined.html).not.toContain('value="123"');
      expect(await methodsOf(t, c.id)).toEqual([]);
      expect(await defaultOf(t, c.id)).toBeNull();
      const events = await eventsOf(t, c.id);
      expect(events.filter((e) => e.type === 'customer.payment_method.added')).toEqual([]);
    });

    it('a mistyped number, a past expiry or a bad security code are 400 beside their fields', async () => {
      const c = await customer();
      const portal = await openPortal(t, c.id);
      const typo = await portal.post('/portal/payment-methods/add', card('4242 4242 4242 4241'));
      expect(typo.status).toBe(400);
      expect(fieldError(typo, 'number')).toBe(
        'Enter the card number as it is printed on the card.',
      );

      const unknown = await portal.post('/portal/payment-methods/add', card('4111 1111 1111 1111'));
      expect(unknown.status).toBe(400);
      expect(fieldError(unknown, 'number')).toContain('4242 4242 4242 4242');

      const past = await portal.post('/portal/payment-methods/add', {
        number: '4242424242424242',
        expiry: '01/20',
        cvc: '12',
      });
      expect(past.status).toBe(400);
      expect(fieldError(past, 'expiry')).toBe('This expiry date has passed.');
      expect(fieldError(past, 'cvc')).toBe('Enter the 3 or 4 digits of the security code.');
      expect(await methodsOf(t, c.id)).toEqual([]);
    });

    it('makes another card the default, then removes one, each through the API’s verbs', async () => {
      const c = await customer();
      const portal = await openPortal(t, c.id);
      await portal.post('/portal/payment-methods/add', card('4242424242424242'));
      await portal.post('/portal/payment-methods/add', card('5555555555554444'));
      const [visa, mastercard] = await methodsOf(t, c.id);
      if (!visa || !mastercard) throw new Error('two cards expected');
      expect(await defaultOf(t, c.id)).toBe(visa.id);

      const made = await portal.post(`/portal/payment-methods/${mastercard.id}/default`);
      expect(made.status, made.html).toBe(303);
      expect(made.location).toBe('/portal/payment-methods?done=default_set');
      expect(await defaultOf(t, c.id)).toBe(mastercard.id);
      const updated = (await eventsOf(t, c.id)).filter((e) => e.type === 'customer.updated').at(-1);
      expect(updated?.previousAttributes).toMatchObject({ defaultPaymentMethod: visa.id });

      const removed = await portal.post(`/portal/payment-methods/${visa.id}/remove`);
      expect(removed.status).toBe(303);
      expect(removed.location).toBe('/portal/payment-methods?done=card_removed');
      expect((await methodsOf(t, c.id)).map((m) => m.id)).toEqual([mastercard.id]);
      const events = await eventsOf(t, c.id);
      expect(events.some((e) => e.type === 'customer.payment_method.removed')).toBe(true);
      // Removing it again: it is no longer a live card of this customer.
      expect((await portal.post(`/portal/payment-methods/${visa.id}/remove`)).status).toBe(404);
    });

    it('another customer’s card, in scope or in another, is 404 and stays as it is', async () => {
      const mine = await customer();
      const theirs = await customer();
      const other = await createCustomer(t, { email: 'pm-b@example.com' }, t.keyB);
      const theirPortal = await openPortal(t, theirs.id);
      await theirPortal.post('/portal/payment-methods/add', card('4242424242424242'));
      await theirPortal.post('/portal/payment-methods/add', card('5555555555554444'));
      const otherPortal = await openPortal(t, other.id, { key: t.keyB });
      await otherPortal.post('/portal/payment-methods/add', card('4242424242424242'));
      const [, theirSecond] = await methodsOf(t, theirs.id);
      const [otherCard] = (
        await t.rest<{ data: WireMethod[] }>(
          'GET',
          `/ledger/customers/${other.id}/payment-methods`,
          {
            key: t.keyB,
          },
        )
      ).body.data;
      if (!theirSecond || !otherCard) throw new Error('cards expected');

      const portal = await openPortal(t, mine.id);
      for (const id of [theirSecond.id, otherCard.id, 'pm_00000000000000000000000000', 'nope']) {
        const asDefault = await portal.post(`/portal/payment-methods/${id}/default`);
        expect(asDefault.status).toBe(404);
        expect(asDefault.html).toContain('There is no such page in your billing portal.');
        expect((await portal.post(`/portal/payment-methods/${id}/remove`)).status).toBe(404);
      }
      expect(await methodsOf(t, theirs.id)).toHaveLength(2);
      expect(await defaultOf(t, theirs.id)).not.toBe(theirSecond.id);
      expect(await defaultOf(t, mine.id)).toBeNull();
    });

    it('with payment_method_update off every page and form post is 404', async () => {
      const c = await customer();
      const portal = await openPortal(t, c.id);
      await portal.post('/portal/payment-methods/add', card('4242424242424242'));
      const [method] = await methodsOf(t, c.id);
      if (!method) throw new Error('a card expected');
      expect((await setFeature(t, { payment_method_update: { enabled: false } })).status).toBe(200);
      try {
        for (const path of ['/portal/payment-methods', '/portal/payment-methods/add']) {
          expect((await portal.get(path)).status).toBe(404);
        }
        expect(
          (await portal.post('/portal/payment-methods/add', card('5555555555554444'))).status,
        ).toBe(404);
        expect((await portal.post(`/portal/payment-methods/${method.id}/remove`)).status).toBe(404);
        expect((await portal.get('/portal')).html).not.toContain('href="/portal/payment-methods"');
        expect(await methodsOf(t, c.id)).toHaveLength(1);
      } finally {
        await setFeature(t, { payment_method_update: { enabled: true } });
      }
      expect((await portal.get('/portal/payment-methods')).status).toBe(200);
    });

    it('the test processor has no SetupIntent return route', async () => {
      const c = await customer();
      const portal = await openPortal(t, c.id);
      const page = await portal.get('/portal/payment-methods/setup-complete?setup_intent=seti_x');
      expect(page.status).toBe(404);
    });
  },
);

describe.each(testDatabaseKinds())('portal payment methods with Stripe (%s)', (kind) => {
  let t: TestLedger;
  let fake: FakeStripe;
  let email = 0;
  const customer = (): Promise<Wire> =>
    createCustomer(t, { email: `stripe-pm-${++email}@example.com` });

  beforeAll(async () => {
    fake = await startFakeStripe();
    t = await startTestLedger(
      kind,
      {},
      {
        STRIPE_SECRET_KEY: 'sk_test_portal',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_portal',
        STRIPE_API_BASE: fake.url,
        STRIPE_TIMEOUT_MS: '2000',
      },
    );
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  /** Opens the add page, as the browser does, and returns the SetupIntent it started. */
  async function startSetup(customerId: string) {
    const portal = await openPortal(t, customerId);
    const page = await portal.get('/portal/payment-methods/add');
    expect(page.status, page.html).toBe(200);
    const secret = page.html.match(/data-secret="([^"]+)"/)?.[1] ?? '';
    const id = secret.split('_secret_')[0] ?? '';
    expect(id).toMatch(/^seti_/);
    return { portal, page, id };
  }

  it('renders Stripe.js with the page’s nonce, and the CSP allows Stripe for script, frame and connect', async () => {
    const c = await customer();
    const { page, id } = await startSetup(c.id);
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = csp.match(/'nonce-([^']+)'/)?.[1];
    expect(nonce).toBeTruthy();
    expect(page.html).toContain(`<script src="https://js.stripe.com/v3/" nonce="${nonce}">`);
    expect(csp).toMatch(/script-src 'nonce-[^']+' https:\/\/js\.stripe\.com/);
    expect(csp).toMatch(/frame-src [^;]*https:\/\/js\.stripe\.com/);
    expect(csp).toMatch(/connect-src 'self' [^;]*https:\/\/js\.stripe\.com/);
    expect(page.html).toContain('data-key="pk_test_portal"');
    // The SetupIntent was made at Stripe for this customer's Stripe customer, to be kept off-session.
    const [stripeCustomer] = fake.customersFor(c.id);
    expect(fake.setupIntent(id)).toMatchObject({
      customer: stripeCustomer?.id,
      usage: 'off_session',
      status: 'requires_payment_method',
    });
    // The card form posts nowhere: the card goes to Stripe, never to Ledger.
    expect(page.html).not.toContain('name="number"');
    expect(await methodsOf(t, c.id)).toEqual([]);
  });

  it('saves the card once Stripe says the SetupIntent succeeded, once however often the page is reloaded', async () => {
    const c = await customer();
    const { portal, id } = await startSetup(c.id);

    const early = await portal.get(`/portal/payment-methods/setup-complete?setup_intent=${id}`);
    expect(early.status).toBe(402);
    expect(early.html).toContain('The card was not added');
    expect(await methodsOf(t, c.id)).toEqual([]);

    fake.confirmSetupIntent(id, 'tok_visa');
    const done = await portal.get(`/portal/payment-methods/setup-complete?setup_intent=${id}`);
    expect(done.status, done.html).toBe(303);
    expect(done.location).toBe('/portal/payment-methods?done=card_added');
    const methods = await methodsOf(t, c.id);
    expect(methods.map((m) => m.card)).toMatchObject([{ brand: 'visa', last4: '4242' }]);
    expect(await defaultOf(t, c.id)).toBe(methods[0]?.id);
    const added = (await eventsOf(t, c.id)).filter(
      (e) => e.type === 'customer.payment_method.added',
    );
    expect(added).toHaveLength(1);

    const again = await portal.get(`/portal/payment-methods/setup-complete?setup_intent=${id}`);
    expect(again.status).toBe(303);
    expect(await methodsOf(t, c.id)).toHaveLength(1);
  });

  it('a card Stripe declined while confirming is not saved', async () => {
    const c = await customer();
    const { portal, id } = await startSetup(c.id);
    fake.confirmSetupIntent(id, 'tok_chargeDeclined');
    const page = await portal.get(`/portal/payment-methods/setup-complete?setup_intent=${id}`);
    expect(page.status).toBe(402);
    expect(await methodsOf(t, c.id)).toEqual([]);
  });

  it('another customer’s SetupIntent, or one Stripe does not know, is 404 and saves nothing', async () => {
    const mine = await customer();
    const theirs = await customer();
    const { id: theirIntent } = await startSetup(theirs.id);
    fake.confirmSetupIntent(theirIntent, 'tok_mastercard');
    const { portal } = await startSetup(mine.id);
    for (const id of [theirIntent, 'seti_unknown']) {
      const page = await portal.get(`/portal/payment-methods/setup-complete?setup_intent=${id}`);
      expect(page.status).toBe(404);
    }
    expect((await portal.get('/portal/payment-methods/setup-complete')).status).toBe(404);
    expect(await methodsOf(t, mine.id)).toEqual([]);
    expect(await methodsOf(t, theirs.id)).toEqual([]);
  });

  it('the card-number form is not taken when Stripe collects cards', async () => {
    const c = await customer();
    const portal = await openPortal(t, c.id);
    const posted = await portal.post('/portal/payment-methods/add', {
      number: '4242424242424242',
      expiry: '12/34',
      cvc: '123',
    });
    expect(posted.status).toBe(404);
    expect(await methodsOf(t, c.id)).toEqual([]);
  });
});
