import {
  cancelSubscription,
  changePlan,
  getPlan,
  getSubscription,
  isLedgerError,
  LIVE_SUBSCRIPTION_STATUSES,
  listCustomerSubscriptions,
  listPlans,
  type Plan,
  previewPlanChange,
  type Subscription,
  undoCancellation,
} from '@ledger/domain';
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { PortalEnv, PortalState } from '../env.js';
import { text } from '../fields.js';
import { day, money } from '../format.js';
import { csrfField, notice, page, tableWrap } from '../layout.js';
import { errorPage } from './error-page.js';

const PATH = '/portal/subscriptions';
/** Statuses whose plan the API lets change (`changePlan`). */
const CHANGEABLE: readonly string[] = ['active', 'trialing', 'past_due'];

const DONE: Record<string, string> = {
  plan_changed: 'Plan changed.',
  cancel_scheduled: 'Your subscription will end at the end of the current period.',
  canceled: 'Your subscription has ended.',
  cancel_undone: 'Your subscription will renew as before.',
};

const notFound = (c: Context<PortalEnv>) =>
  errorPage(c, 404, 'Not found', 'There is no such page in your billing portal.');

const price = (plan: Plan) =>
  `${money({ amount: plan.pricing.baseAmount, currency: plan.currency })} per ${plan.pricing.billingPeriod === 'yearly' ? 'year' : 'month'}`;

/** This customer's subscription `id`, or null: another customer's is "none" (404). */
async function ownSubscription(state: PortalState, id: string): Promise<Subscription | null> {
  try {
    const subscription = await getSubscription(state.services, { id });
    return subscription.customerId === state.customer.id ? subscription : null;
  } catch (error) {
    if (isLedgerError(error) && (error.code.endsWith('_not_found') || error.code === 'invalid_id'))
      return null;
    throw error;
  }
}

/**
 * The plans this subscription may move to (PORTAL.md): the configuration's list, or every
 * active plan when it is empty; always active, in the subscription's currency, not the current.
 */
async function offeredPlans(state: PortalState, subscription: Subscription): Promise<Plan[]> {
  const current = await getPlan(state.services, { id: subscription.planId });
  const allowed = state.configuration.features.subscriptionUpdate.plans;
  const { data } = await listPlans(state.services, { status: 'active' });
  return data.filter(
    (plan) =>
      plan.id !== current.id &&
      plan.currency === current.currency &&
      (allowed.length === 0 || allowed.includes(plan.id)),
  );
}

function subscriptionCard(
  state: PortalState,
  subscription: Subscription,
  plan: Plan,
  offered: Plan[],
) {
  const { subscriptionUpdate, subscriptionCancel } = state.configuration.features;
  const ends = subscription.cancelAt;
  const canChange = subscriptionUpdate.enabled && CHANGEABLE.includes(subscription.status) && !ends;
  const immediately = subscriptionCancel.mode === 'immediately';
  const headingId = `sub-${subscription.id}`;
  return html`<section aria-labelledby="${headingId}">
  <h2 id="${headingId}">${plan.name}</h2>
  <p>${price(plan)} · status: ${subscription.status}</p>
  <p>${ends ? html`Ends on <strong>${day(ends)}</strong>.` : html`Renews on <strong>${day(subscription.currentPeriodEnd)}</strong>.`}</p>
  ${
    canChange && offered.length > 0
      ? html`<h3>Change plan</h3><ul>${offered.map(
          (to) =>
            html`<li><a href="${PATH}/${subscription.id}/change?plan=${to.id}">Switch to ${to.name}</a> (${price(to)})</li>`,
        )}</ul>`
      : ''
  }
  ${
    subscriptionCancel.enabled && !ends
      ? html`<form method="post" action="${PATH}/${subscription.id}/cancel">
  ${csrfField(state)}
  <label for="reason-${subscription.id}">Why are you canceling? (optional)</label>
  <textarea id="reason-${subscription.id}" name="reason" rows="2" maxlength="480"></textarea>
  <p class="muted">${immediately ? 'Your subscription ends now; the part of the period already used is billed.' : html`Your subscription stays active until ${day(subscription.currentPeriodEnd)}.`}</p>
  <p><button type="submit" class="secondary">${immediately ? 'Cancel now' : 'Cancel at period end'}</button></p>
</form>`
      : ''
  }
  ${
    subscriptionCancel.enabled && ends
      ? html`<form method="post" action="${PATH}/${subscription.id}/undo-cancel">${csrfField(state)}<button type="submit">Keep my subscription</button></form>`
      : ''
  }
</section>`;
}

/**
 * `/portal/subscriptions`: live subscriptions with plan, price and next renewal or end; change
 * plan with the prorated amount shown before confirming (`previewPlanChange`, the same figures
 * `changePlan` stores); cancel (at period end or now, per the configuration) with an optional
 * reason, and undo a scheduled cancellation. Each action is the API's own verb; a subscription
 * of another customer or a plan not offered is 404, and so is a feature that is off.
 */
export function subscriptionsPage(app: Hono<PortalEnv>): void {
  const enabled = (state: PortalState) =>
    state.configuration.features.subscriptionUpdate.enabled ||
    state.configuration.features.subscriptionCancel.enabled;
  for (const path of ['/subscriptions', '/subscriptions/*']) {
    app.use(path, async (c, next) => (enabled(c.get('portal')) ? next() : notFound(c)));
  }

  app.get('/subscriptions', async (c) => {
    const state = c.get('portal');
    const { data } = await listCustomerSubscriptions(state.services, {
      customerId: state.customer.id,
    });
    const live = data.filter((s) => LIVE_SUBSCRIPTION_STATUSES.includes(s.status));
    const cards = await Promise.all(
      live.map(async (subscription) => {
        const plan = await getPlan(state.services, { id: subscription.planId });
        const offered = state.configuration.features.subscriptionUpdate.enabled
          ? await offeredPlans(state, subscription)
          : [];
        return subscriptionCard(state, subscription, plan, offered);
      }),
    );
    return c.html(
      page(
        state,
        'Subscriptions',
        PATH,
        html`${notice('ok', DONE[c.req.query('done') ?? ''])}
${live.length === 0 ? html`<p>No live subscriptions.</p>` : cards}`,
      ),
    );
  });

  /** The subscription and target plan of a change, or null when either is not this customer's to pick. */
  async function changeTarget(state: PortalState, id: string, planId: string) {
    if (!state.configuration.features.subscriptionUpdate.enabled) return null;
    const subscription = await ownSubscription(state, id);
    if (!subscription || !CHANGEABLE.includes(subscription.status) || subscription.cancelAt)
      return null;
    const to = (await offeredPlans(state, subscription)).find((plan) => plan.id === planId);
    return to ? { subscription, to } : null;
  }

  app.get('/subscriptions/:id/change', async (c) => {
    const state = c.get('portal');
    const target = await changeTarget(state, c.req.param('id'), c.req.query('plan') ?? '');
    if (!target) return notFound(c);
    const preview = await previewPlanChange(state.services, {
      id: target.subscription.id,
      planId: target.to.id,
    });
    const { amount } = preview;
    const magnitude = money({ ...amount, amount: Math.abs(amount.amount) });
    const summary =
      amount.amount > 0
        ? html`<strong data-amount="${amount.amount}">${magnitude}</strong> is added to your next invoice for the rest of this period.`
        : amount.amount < 0
          ? html`<strong data-amount="${amount.amount}">${magnitude}</strong> is credited on your next invoice for the rest of this period.`
          : html`Nothing changes on your next invoice (<strong data-amount="0">${magnitude}</strong>).`;
    return c.html(
      page(
        state,
        `Switch to ${target.to.name}`,
        PATH,
        html`<section aria-labelledby="summary">
  <h2 id="summary">What changes</h2>
  <p>From <strong>${preview.from.name}</strong> (${price(preview.from)}) to <strong>${preview.to.name}</strong> (${price(preview.to)}).</p>
  ${
    preview.lines.length > 0
      ? tableWrap(
          'Prorated amounts',
          html`<table>
  <caption class="muted">Prorated to today</caption>
  <thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead>
  <tbody>${preview.lines.map((line) => html`<tr><th scope="row">${line.description}</th><td class="num">${money(line.amount)}</td></tr>`)}</tbody>
</table>`,
        )
      : ''
  }
  <p>${summary}</p>
  <form method="post" action="${PATH}/${target.subscription.id}/change" class="actions">
    ${csrfField(state)}
    <input type="hidden" name="plan" value="${target.to.id}">
    <button type="submit">Confirm change</button>
    <a href="${PATH}">Keep ${preview.from.name}</a>
  </form>
</section>`,
      ),
    );
  });

  app.post('/subscriptions/:id/change', async (c) => {
    const state = c.get('portal');
    const body = await c.req.parseBody();
    const target = await changeTarget(state, c.req.param('id'), text(body, 'plan'));
    if (!target) return notFound(c);
    await changePlan(state.services, { id: target.subscription.id, planId: target.to.id });
    return c.redirect(`${PATH}?done=plan_changed`, 303);
  });

  app.post('/subscriptions/:id/cancel', async (c) => {
    const state = c.get('portal');
    const { subscriptionCancel } = state.configuration.features;
    const subscription = await ownSubscription(state, c.req.param('id'));
    if (!subscriptionCancel.enabled || !subscription) return notFound(c);
    if (!LIVE_SUBSCRIPTION_STATUSES.includes(subscription.status) || subscription.cancelAt)
      return c.redirect(PATH, 303);
    const body = await c.req.parseBody();
    const reason = text(body, 'reason').trim().slice(0, 480);
    const immediately = subscriptionCancel.mode === 'immediately';
    await cancelSubscription(state.services, {
      id: subscription.id,
      immediately,
      ...(reason ? { reason } : {}),
    });
    return c.redirect(`${PATH}?done=${immediately ? 'canceled' : 'cancel_scheduled'}`, 303);
  });

  app.post('/subscriptions/:id/undo-cancel', async (c) => {
    const state = c.get('portal');
    const subscription = await ownSubscription(state, c.req.param('id'));
    if (!state.configuration.features.subscriptionCancel.enabled || !subscription)
      return notFound(c);
    if (subscription.cancelAt && LIVE_SUBSCRIPTION_STATUSES.includes(subscription.status))
      await undoCancellation(state.services, { id: subscription.id });
    return c.redirect(`${PATH}?done=cancel_undone`, 303);
  });
}
