import { serviceContext } from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import { formatMoney, type PlanId, previewPlanChange, type SubscriptionId } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { openPortal } from './portal-support.js';
import {
  createCustomer,
  createInvoice,
  DAY,
  eventsOf,
  manualClock,
  monthlyPlan,
  scopeA,
  subscribe,
  type Wire,
  type WireSubscription,
} from './support.js';

/**
 * The portal's subscriptions page over real HTTP on both databases, the server's clock standing
 * still so the prorated amount is the one the domain computes at the same instant: change plan
 * (preview, then confirm through the API's change verb), cancel at period end with a reason and
 * undo, cancel now when the configuration says so, and 404 for plans not offered, other
 * customers' subscriptions and the features off.
 */
describe.each(testDatabaseKinds())('portal subscriptions (%s)', (kind) => {
  const time = manualClock('2026-05-01T00:00:00.000Z');
  let t: TestLedger;
  let basic: Wire;
  let premium: Wire;
  let enterprise: Wire;
  let euro: Wire;
  let email = 0;

  const customer = () => createCustomer(t, { email: `portal-sub-${++email}@example.com` });
  const getSub = async (id: string) =>
    (await t.rest<WireSubscription>('GET', `/ledger/subscriptions/${id}`)).body;
  const configure = (features: Record<string, unknown>) =>
    t.rest('PUT', '/ledger/portal/configuration', { body: { features } });

  /** What the domain says the change costs at the server's (standing) clock. */
  const domainPreview = (subscriptionId: string, planId: string) =>
    previewPlanChange(serviceContext(t.server.ledger.deps, scopeA), {
      id: subscriptionId as SubscriptionId,
      planId: planId as PlanId,
    });

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
    basic = await monthlyPlan(t, 'portal-basic', 3000, { name: 'Basic' });
    premium = await monthlyPlan(t, 'portal-premium', 6000, { name: 'Premium' });
    enterprise = await monthlyPlan(t, 'portal-enterprise', 25000, { name: 'Enterprise' });
    euro = await monthlyPlan(t, 'portal-euro', 3000, { name: 'Euro', currency: 'EUR' });
  });
  afterAll(() => t.close());

  it('lists live subscriptions with plan, price and next renewal, and the plans to switch to', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    const portal = await openPortal(t, c.id);
    const page = await portal.get('/portal/subscriptions');
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h2 id="sub-');
    expect(page.html).toContain('Basic');
    expect(page.html).toContain('$30.00 per month');
    expect(page.html).toContain('Renews on <strong>Jun 1, 2026</strong>');
    expect(page.html).toContain(`href="/portal/subscriptions/${sub.id}/change?plan=${premium.id}"`);
    // Every active plan in the subscription's currency: not the current one, not the EUR one.
    expect(page.html).not.toContain(`plan=${basic.id}"`);
    expect(page.html).not.toContain(`plan=${euro.id}"`);
  });

  it('shows the prorated amount the domain computes before confirming; confirming changes the plan', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    time.set(new Date(Date.parse('2026-05-01T00:00:00.000Z') + 10 * DAY + 3_600_000));
    const portal = await openPortal(t, c.id);

    const expected = await domainPreview(sub.id, premium.id);
    expect(expected.amount.amount).toBeGreaterThan(0);
    const preview = await portal.get(`/portal/subscriptions/${sub.id}/change?plan=${premium.id}`);
    expect(preview.status, preview.html).toBe(200);
    expect(preview.html).toContain(`data-amount="${expected.amount.amount}"`);
    expect(preview.html).toContain(formatMoney(expected.amount));
    for (const line of expected.lines) {
      expect(preview.html).toContain(line.description);
      expect(preview.html).toContain(formatMoney(line.amount));
    }
    // Looking is free: nothing changed, nothing was written.
    expect((await getSub(sub.id)).plan_id).toBe(basic.id);
    expect((await eventsOf(t, c.id)).filter((e) => e.type === 'subscription.updated')).toEqual([]);

    const confirmed = await portal.post(`/portal/subscriptions/${sub.id}/change`, {
      plan: premium.id,
    });
    expect(confirmed.status, confirmed.html).toBe(303);
    expect(confirmed.location).toBe('/portal/subscriptions?done=plan_changed');
    expect((await getSub(sub.id)).plan_id).toBe(premium.id);
    const updated = (await eventsOf(t, c.id)).filter((e) => e.type === 'subscription.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]?.previousAttributes).toMatchObject({ planId: basic.id });

    // The period's invoice carries exactly the prorations the page showed.
    const invoice = await createInvoice(t, sub.id);
    const prorations = invoice.line_items.filter((line) => line.kind === 'proration');
    expect(prorations.reduce((sum, line) => sum + line.amount.amount, 0)).toBe(
      expected.amount.amount,
    );
    const after = await portal.get('/portal/subscriptions?done=plan_changed');
    expect(after.html).toContain('Plan changed.');
    expect(after.html).toContain('Premium');
  });

  it('a plan not offered, in another currency, the current one or made up is 404, and so is another customer’s subscription', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    const other = await customer();
    const theirs = await subscribe(t, other.id, basic.id);
    const portal = await openPortal(t, c.id);
    expect((await configure({ subscription_update: { plans: [premium.id] } })).status).toBe(200);
    try {
      const listed = await portal.get('/portal/subscriptions');
      expect(listed.html).toContain(`plan=${premium.id}"`);
      expect(listed.html).not.toContain(`plan=${enterprise.id}"`);
      for (const plan of [enterprise.id, euro.id, basic.id, 'plan_00000000000000000000000000']) {
        expect(
          (await portal.get(`/portal/subscriptions/${sub.id}/change?plan=${plan}`)).status,
        ).toBe(404);
        expect((await portal.post(`/portal/subscriptions/${sub.id}/change`, { plan })).status).toBe(
          404,
        );
      }
      const foreign = await portal.get(
        `/portal/subscriptions/${theirs.id}/change?plan=${premium.id}`,
      );
      expect(foreign.status).toBe(404);
      expect(foreign.html).toContain('There is no such page in your billing portal.');
      for (const action of ['change', 'cancel', 'undo-cancel']) {
        const res = await portal.post(`/portal/subscriptions/${theirs.id}/${action}`, {
          plan: premium.id,
        });
        expect(res.status).toBe(404);
      }
      expect(await getSub(theirs.id)).toMatchObject({ plan_id: basic.id, cancel_at: null });
      expect((await getSub(sub.id)).plan_id).toBe(basic.id);
    } finally {
      await configure({ subscription_update: { plans: [] } });
    }
  });

  it('cancels at period end with a reason, then undoes it, each through the API’s verbs', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    const portal = await openPortal(t, c.id);
    const page = await portal.get('/portal/subscriptions');
    expect(page.html).toContain('Cancel at period end');
    expect(page.html).toContain(`<label for="reason-${sub.id}">`);

    const canceled = await portal.post(`/portal/subscriptions/${sub.id}/cancel`, {
      reason: 'Too expensive for us',
    });
    expect(canceled.status, canceled.html).toBe(303);
    expect(canceled.location).toBe('/portal/subscriptions?done=cancel_scheduled');
    const scheduled = await getSub(sub.id);
    expect(scheduled).toMatchObject({
      status: 'active',
      cancel_at: sub.current_period_end,
      metadata: { cancellation_reason: 'Too expensive for us' },
    });
    const shown = await portal.get('/portal/subscriptions');
    expect(shown.html).toContain('Ends on <strong>Jun 1, 2026</strong>');
    expect(shown.html).toContain('Keep my subscription');
    // No plan change is offered for a subscription that is ending.
    expect(shown.html).not.toContain(`/change?plan=`);

    const undone = await portal.post(`/portal/subscriptions/${sub.id}/undo-cancel`);
    expect(undone.status).toBe(303);
    expect(undone.location).toBe('/portal/subscriptions?done=cancel_undone');
    const kept = await getSub(sub.id);
    expect(kept).toMatchObject({ status: 'active', cancel_at: null, canceled_at: null });
    expect(kept.metadata).not.toHaveProperty('cancellation_reason');
    const updates = (await eventsOf(t, c.id)).filter((e) => e.type === 'subscription.updated');
    expect(updates).toHaveLength(2);
    expect(updates[1]?.previousAttributes).toMatchObject({ cancelAt: sub.current_period_end });
  });

  it('with mode immediately the subscription ends now', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    time.advance(5 * DAY);
    const portal = await openPortal(t, c.id);
    expect((await configure({ subscription_cancel: { mode: 'immediately' } })).status).toBe(200);
    try {
      const page = await portal.get('/portal/subscriptions');
      expect(page.html).toContain('Cancel now');
      const res = await portal.post(`/portal/subscriptions/${sub.id}/cancel`);
      expect(res.status).toBe(303);
      expect(res.location).toBe('/portal/subscriptions?done=canceled');
      expect(await getSub(sub.id)).toMatchObject({
        status: 'canceled',
        ended_at: time.now.toISOString(),
      });
      const events = await eventsOf(t, c.id);
      expect(events.some((e) => e.type === 'subscription.canceled')).toBe(true);
      expect((await portal.get('/portal/subscriptions')).html).toContain('No live subscriptions.');
    } finally {
      await configure({ subscription_cancel: { mode: 'at_period_end' } });
    }
  });

  it('with update and cancel off the pages and posts are 404; with only update off, no change is offered', async () => {
    time.set('2026-05-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    const portal = await openPortal(t, c.id);
    await configure({ subscription_update: { enabled: false } });
    try {
      const page = await portal.get('/portal/subscriptions');
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('/change?plan=');
      expect(
        (await portal.get(`/portal/subscriptions/${sub.id}/change?plan=${premium.id}`)).status,
      ).toBe(404);
      expect(
        (await portal.post(`/portal/subscriptions/${sub.id}/change`, { plan: premium.id })).status,
      ).toBe(404);

      await configure({ subscription_cancel: { enabled: false } });
      expect((await portal.get('/portal/subscriptions')).status).toBe(404);
      expect((await portal.post(`/portal/subscriptions/${sub.id}/cancel`)).status).toBe(404);
      expect((await portal.post(`/portal/subscriptions/${sub.id}/undo-cancel`)).status).toBe(404);
      expect((await portal.get('/portal')).html).not.toContain('href="/portal/subscriptions"');
      expect(await getSub(sub.id)).toMatchObject({ plan_id: basic.id, cancel_at: null });
    } finally {
      await configure({
        subscription_update: { enabled: true },
        subscription_cancel: { enabled: true },
      });
    }
  });
});
