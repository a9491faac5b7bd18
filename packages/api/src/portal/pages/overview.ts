import {
  getPlan,
  LIVE_SUBSCRIPTION_STATUSES,
  listCustomerSubscriptions,
  listPaymentMethods,
} from '@ledger/domain';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { PortalEnv } from '../env.js';
import { balanceInWords, day, money } from '../format.js';
import { page } from '../layout.js';

/** `GET /portal`: who the customer is, what they owe or hold, their card and subscriptions. */
export function overviewPage(app: Hono<PortalEnv>): void {
  app.get('/', async (c) => {
    const state = c.get('portal');
    const { customer, services } = state;
    const [{ data: methods }, { data: subscriptions }] = await Promise.all([
      listPaymentMethods(services, { customerId: customer.id }),
      listCustomerSubscriptions(services, { customerId: customer.id }),
    ]);
    const card = methods.find((method) => method.id === customer.defaultPaymentMethod);
    const live = subscriptions.filter((s) => LIVE_SUBSCRIPTION_STATUSES.includes(s.status));
    const plans = await Promise.all(live.map((s) => getPlan(services, { id: s.planId })));
    return c.html(
      page(
        state,
        'Your billing',
        '/portal',
        html`<section aria-labelledby="account">
  <h2 id="account">Account</h2>
  <p>${customer.name}<br>${customer.email}</p>
  <p>Balance: <strong>${balanceInWords(customer.balance)}</strong></p>
  <p>Default card: ${card?.card ? `${card.card.brand} ending in ${card.card.last4}` : 'none'}</p>
</section>
<section aria-labelledby="subscriptions">
  <h2 id="subscriptions">Subscriptions</h2>
  ${
    live.length === 0
      ? html`<p>No live subscriptions.</p>`
      : html`<ul>${live.map((s, i) => {
          const plan = plans[i];
          const price = plan
            ? money({ amount: plan.pricing.baseAmount, currency: plan.currency })
            : '';
          const next = s.cancelAt
            ? `ends ${day(s.cancelAt)}`
            : `renews ${day(s.currentPeriodEnd)} at ${price} per ${plan?.pricing.billingPeriod === 'yearly' ? 'year' : 'month'}`;
          return html`<li><strong>${plan?.name ?? s.planId}</strong> (${s.status}): ${next}</li>`;
        })}</ul>`
  }
</section>
${
  state.configuration.features.dataExport.enabled
    ? html`<section aria-labelledby="your-data">
  <h2 id="your-data">Your data</h2>
  <p><a href="/portal/export" download>Download my data</a> (everything we keep about you, as JSON)</p>
</section>`
    : ''
}`,
      ),
    );
  });
}
