import {
  addPaymentMethod,
  completeCardSetup,
  isLedgerError,
  listPaymentMethods,
  type PaymentMethod,
  removePaymentMethod,
  startCardSetup,
  updateCustomer,
} from '@ledger/domain';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { PortalEnv, PortalState } from '../env.js';
import { field, text } from '../fields.js';
import { csrfField, notice, page, tableWrap } from '../layout.js';
import { type CardForm, type CardFormErrors, readCardForm } from '../test-cards.js';
import { errorPage } from './error-page.js';

const PATH = '/portal/payment-methods';

/** The processor's refusals of a card (402), shown beside the card number. */
const DECLINES: readonly string[] = [
  'payment_declined',
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'processing_error',
];

const DONE: Record<string, string> = {
  card_added: 'Card added.',
  default_set: 'Default card changed.',
  card_removed: 'Card removed.',
};

const notFound = (c: Context<PortalEnv>) =>
  errorPage(c, 404, 'Not found', 'There is no such page in your billing portal.');

/** Cards are collected by Stripe.js (SetupIntents) when Stripe is the processor. */
const usesStripe = (state: PortalState) => state.services.payments.processor === 'stripe';

const brandName = (brand: string) => brand.charAt(0).toUpperCase() + brand.slice(1);
const describe = (method: PaymentMethod) =>
  `${brandName(method.card.brand)} ending in ${method.card.last4}`;
const expiry = (method: PaymentMethod) =>
  `${String(method.card.expMonth).padStart(2, '0')}/${method.card.expYear}`;

/** The customer's live method `id`, or null: another customer's or a removed one is "none". */
async function ownMethod(state: PortalState, id: string): Promise<PaymentMethod | null> {
  const { data } = await listPaymentMethods(state.services, { customerId: state.customer.id });
  return data.find((method) => method.id === id) ?? null;
}

async function listPage(c: Context<PortalEnv>, message?: string) {
  const state = c.get('portal');
  const { data: methods } = await listPaymentMethods(state.services, {
    customerId: state.customer.id,
  });
  const done = DONE[c.req.query('done') ?? ''];
  const rows = methods.map((method) => {
    const isDefault = method.id === state.customer.defaultPaymentMethod;
    return html`<tr>
  <th scope="row">${describe(method)}</th>
  <td>${expiry(method)}</td>
  <td>${isDefault ? 'Default' : ''}</td>
  <td>
    ${
      isDefault
        ? ''
        : html`<form method="post" action="${PATH}/${method.id}/default" class="inline">${csrfField(state)}<button type="submit" class="secondary">Make default<span class="skip"> (${describe(method)})</span></button></form>`
    }
    <form method="post" action="${PATH}/${method.id}/remove" class="inline">${csrfField(state)}<button type="submit" class="secondary">Remove<span class="skip"> (${describe(method)})</span></button></form>
  </td>
</tr>`;
  });
  return c.html(
    page(
      state,
      'Payment methods',
      PATH,
      html`${notice('ok', done)}${notice('error', message)}
<section aria-labelledby="cards">
  <h2 id="cards">Your cards</h2>
  ${
    methods.length === 0
      ? html`<p>No cards yet.</p>`
      : tableWrap(
          'Your cards',
          html`<table>
  <thead><tr><th scope="col">Card</th><th scope="col">Expires</th><th scope="col">Default</th><th scope="col">Actions</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`,
        )
  }
  <p><a class="button" href="${PATH}/add">Add a card</a></p>
</section>`,
    ),
    message ? 402 : 200,
  );
}

/** The test processor's form: a card number (Stripe's test numbers), expiry and security code. */
function testCardForm(
  c: Context<PortalEnv>,
  values: CardForm,
  errors: CardFormErrors,
  status: 200 | 400 | 402,
) {
  const state = c.get('portal');
  return c.html(
    page(
      state,
      'Add a card',
      PATH,
      html`${notice('error', status === 200 ? null : 'The card was not added.')}
<form method="post" action="${PATH}/add" class="card" novalidate>
  ${csrfField(state)}
  <p class="muted">Test mode: no real card is charged. Use 4242 4242 4242 4242 for a card that works, 4000 0000 0000 0002 for one that is declined.</p>
  ${field({ name: 'number', label: 'Card number', value: values.number, error: errors.number, autocomplete: 'cc-number', inputmode: 'numeric', required: true })}
  ${field({ name: 'expiry', label: 'Expiry date (MM/YY)', value: values.expiry, error: errors.expiry, autocomplete: 'cc-exp', inputmode: 'numeric', required: true })}
  ${field({ name: 'cvc', label: 'Security code (CVC)', value: '', error: errors.cvc, autocomplete: 'cc-csc', inputmode: 'numeric', required: true })}
  <p class="check-row"><input type="checkbox" id="field-make_default" name="make_default" value="1"> <label for="field-make_default">Make this my default card</label></p>
  <p><button type="submit">Add card</button> <a href="${PATH}">Cancel</a></p>
</form>`,
    ),
    status,
  );
}

/**
 * With Stripe: a SetupIntent is started and Stripe.js collects the card in its own frame, then
 * sends the browser to `setup-complete`, where the SetupIntent is read back server-side.
 */
async function stripeCardForm(c: Context<PortalEnv>) {
  const state = c.get('portal');
  if (!state.stripePublishableKey) {
    return c.html(
      page(
        state,
        'Add a card',
        PATH,
        html`${notice('error', 'Cards cannot be added here yet. Please contact us.')}<p><a href="${PATH}">Back to payment methods</a></p>`,
      ),
      503,
    );
  }
  const setup = await startCardSetup(state.services, { customerId: state.customer.id });
  const nonce = c.get('nonce');
  return c.html(
    page(
      state,
      'Add a card',
      PATH,
      html`<form id="card-form" class="card" data-key="${state.stripePublishableKey}" data-secret="${setup.clientSecret}" data-return="${PATH}/setup-complete">
  <p class="muted">Your card details go straight to our payment processor, Stripe.</p>
  <div id="card-element"></div>
  <p class="field-error" id="card-error" role="alert"></p>
  <noscript><p>Adding a card needs JavaScript, so that the card goes straight to Stripe.</p></noscript>
  <p><button type="submit">Add card</button> <a href="${PATH}">Cancel</a></p>
</form>`,
      html`<script src="https://js.stripe.com/v3/" nonce="${nonce}"></script>
<script nonce="${nonce}">
(() => {
  const form = document.getElementById('card-form');
  const stripe = Stripe(form.dataset.key);
  const elements = stripe.elements({ clientSecret: form.dataset.secret });
  elements.create('payment').mount('#card-element');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const returnUrl = new URL(form.dataset.return, location.href).href;
    const { error } = await stripe.confirmSetup({ elements, confirmParams: { return_url: returnUrl } });
    if (error) document.getElementById('card-error').textContent = error.message;
  });
})();
</script>`,
    ),
  );
}

/**
 * `/portal/payment-methods`: the customer's cards (brand, last 4, expiry, default), make default
 * and remove, and adding a card — Stripe's test numbers on the built-in processor, Stripe.js and
 * a SetupIntent with Stripe. Every action is the API's own verb; the feature off is 404.
 */
export function paymentMethodsPage(app: Hono<PortalEnv>): void {
  app.use('/payment-methods/*', async (c, next) => {
    if (!c.get('portal').configuration.features.paymentMethodUpdate.enabled) return notFound(c);
    return next();
  });
  app.use('/payment-methods', async (c, next) => {
    if (!c.get('portal').configuration.features.paymentMethodUpdate.enabled) return notFound(c);
    return next();
  });

  app.get('/payment-methods', (c) => listPage(c));

  app.get('/payment-methods/add', (c) =>
    usesStripe(c.get('portal'))
      ? stripeCardForm(c)
      : testCardForm(c, { number: '', expiry: '', cvc: '' }, {}, 200),
  );

  app.post('/payment-methods/add', async (c) => {
    const state = c.get('portal');
    if (usesStripe(state)) return notFound(c);
    const body = await c.req.parseBody();
    const values: CardForm = {
      number: text(body, 'number'),
      expiry: text(body, 'expiry'),
      cvc: text(body, 'cvc'),
    };
    const read = readCardForm(values, state.services.clock.now());
    if (read.errors) return testCardForm(c, values, read.errors, 400);
    try {
      await addPaymentMethod(state.services, {
        customerId: state.customer.id,
        token: read.token,
        makeDefault: text(body, 'make_default') === '1',
      });
    } catch (error) {
      if (
        !isLedgerError(error) ||
        (error.code !== 'invalid_token' && !DECLINES.includes(error.code))
      )
        throw error;
      const status = error.code === 'invalid_token' ? 400 : 402;
      return testCardForm(c, values, { number: error.message }, status);
    }
    return c.redirect(`${PATH}?done=card_added`, 303);
  });

  app.get('/payment-methods/setup-complete', async (c) => {
    const state = c.get('portal');
    const setupIntentId = c.req.query('setup_intent');
    if (!usesStripe(state) || !setupIntentId) return notFound(c);
    try {
      await completeCardSetup(state.services, { customerId: state.customer.id, setupIntentId });
    } catch (error) {
      if (isLedgerError(error) && error.code === 'not_found') return notFound(c);
      if (isLedgerError(error) && (error.code === 'invalid_state' || DECLINES.includes(error.code)))
        return listPage(c, 'The card was not added: it was not confirmed. Please try again.');
      throw error;
    }
    return c.redirect(`${PATH}?done=card_added`, 303);
  });

  app.post('/payment-methods/:id/default', async (c) => {
    const state = c.get('portal');
    const method = await ownMethod(state, c.req.param('id'));
    if (!method) return notFound(c);
    await updateCustomer(state.services, {
      id: state.customer.id,
      defaultPaymentMethod: method.id,
    });
    return c.redirect(`${PATH}?done=default_set`, 303);
  });

  app.post('/payment-methods/:id/remove', async (c) => {
    const state = c.get('portal');
    const method = await ownMethod(state, c.req.param('id'));
    if (!method) return notFound(c);
    await removePaymentMethod(state.services, {
      customerId: state.customer.id,
      paymentMethodId: method.id,
    });
    return c.redirect(`${PATH}?done=card_removed`, 303);
  });
}
