import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createPlan,
  DAY,
  eventsOf,
  expectError,
  invoicesOf,
  manualClock,
  monthlyPlan,
  subscribe,
  type Wire,
  type WireSubscription,
} from './support.js';

describe.each(testDatabaseKinds())('subscriptions over REST on %s', (kind) => {
  let t: TestLedger;
  // 2026-03-01 → 2026-04-01 is a 31-day period: its half is 2026-03-16T12:00Z.
  const time = manualClock('2026-03-01T00:00:00.000Z');
  let basic: Wire;
  let premium: Wire;
  let trialPlan: Wire;
  let euro: Wire;
  let email = 0;

  const customer = (body: Record<string, unknown> = {}) =>
    createCustomer(t, { email: `sub-${++email}@example.com`, ...body });
  const getSub = async (id: string) =>
    (await t.rest<WireSubscription>('GET', `/ledger/subscriptions/${id}`)).body;
  const post = (path: string, body: Record<string, unknown> = {}) =>
    t.rest<WireSubscription>('POST', path, { body });

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
    basic = await monthlyPlan(t, 'basic', 3000, { name: 'Basic' });
    premium = await monthlyPlan(t, 'premium', 6000, { name: 'Premium' });
    trialPlan = await monthlyPlan(t, 'trial', 1000, { name: 'Trial', trial_days: 7 });
    euro = await monthlyPlan(t, 'euro', 3000, { currency: 'EUR' });
  });
  afterAll(() => t.close());

  it('starts trialing from the plan’s trial days, or the request’s; trial_days 0 overrides the plan', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const now = time.now;
    const c = await customer();

    const fromPlan = await subscribe(t, c.id, trialPlan.id, { metadata: { source: 'web' } });
    expect(fromPlan.id).toMatch(/^sub_[0-9a-z]{26}$/);
    expect(fromPlan).toMatchObject({
      customer_id: c.id,
      plan_id: trialPlan.id,
      status: 'trialing',
      trial_start: now.toISOString(),
      trial_end: new Date(now.getTime() + 7 * DAY).toISOString(),
      current_period_start: now.toISOString(),
      current_period_end: new Date(now.getTime() + 7 * DAY).toISOString(),
      cancel_at: null,
      metadata: { source: 'web' },
    });

    const fromRequest = await subscribe(t, c.id, basic.id, { trial_days: 3 });
    expect(fromRequest).toMatchObject({
      status: 'trialing',
      trial_end: new Date(now.getTime() + 3 * DAY).toISOString(),
      current_period_end: new Date(now.getTime() + 3 * DAY).toISOString(),
    });

    const noTrial = await subscribe(t, c.id, trialPlan.id, { trial_days: 0 });
    expect(noTrial).toMatchObject({
      status: 'active',
      trial_start: null,
      trial_end: null,
      current_period_start: now.toISOString(),
      current_period_end: '2026-04-01T00:00:00.000Z',
    });

    const longer = await subscribe(t, c.id, trialPlan.id, { trial_days: 30 });
    expect(longer.trial_end).toBe('2026-03-31T00:00:00.000Z');

    expectError(
      await post('/ledger/subscriptions', { customer_id: c.id, plan_id: basic.id, trial_days: -1 }),
      400,
      'invalid_input',
      'trial_days',
    );

    // The trial ends at runDue: active, a full period from the trial's end, and no invoice.
    time.set(new Date(now.getTime() + 3 * DAY + 1000));
    const report = await t.server.ledger.billing.runDue();
    expect(report).toMatchObject({ trialsEnded: 1, periodsBilled: 0 });
    expect(await getSub(fromRequest.id)).toMatchObject({
      status: 'active',
      current_period_start: '2026-03-04T00:00:00.000Z',
      current_period_end: '2026-04-04T00:00:00.000Z',
      trial_end: '2026-03-04T00:00:00.000Z',
    });
    expect((await getSub(fromPlan.id)).status).toBe('trialing');
    expect(await invoicesOf(t, c.id)).toEqual([]);
  });

  it('refuses subscriptions for unknown, foreign or deleted customers and unknown plans', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    expectError(
      await post('/ledger/subscriptions', {
        customer_id: 'cus_01jdzzzzzzzzzzzzzzzzzzzzzz',
        plan_id: basic.id,
      }),
      404,
      'customer_not_found',
      'customer_id',
    );
    const foreign = await createCustomer(t, { email: 'foreign@example.com' }, t.keyB);
    expectError(
      await post('/ledger/subscriptions', { customer_id: foreign.id, plan_id: basic.id }),
      404,
      'customer_not_found',
      'customer_id',
    );
    expectError(
      await post('/ledger/subscriptions', { customer_id: 'sub_x', plan_id: basic.id }),
      400,
      'invalid_id',
      'customer_id',
    );
    const gone = await customer();
    expect((await t.rest('DELETE', `/ledger/customers/${gone.id}`)).status).toBe(204);
    expectError(
      await post('/ledger/subscriptions', { customer_id: gone.id, plan_id: basic.id }),
      400,
      'customer_deleted',
    );
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    expectError(
      await t.rest('GET', `/ledger/subscriptions/${sub.id}`, { key: t.keyB }),
      404,
      'subscription_not_found',
    );
    expectError(
      await post(`/ledger/subscriptions/${sub.id}/cancel`, { immediately: 'yes' }),
      400,
      'invalid_input',
      'immediately',
    );
  });

  it('cancels immediately (ended now, the used part billed) or at period end (billed, then ended)', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const now = time.now.toISOString();
    const immediate = await subscribe(t, c.id, basic.id);
    const atEnd = await subscribe(t, c.id, basic.id);

    time.set('2026-03-10T00:00:00.000Z');
    const canceled = await post(`/ledger/subscriptions/${immediate.id}/cancel`, {
      immediately: true,
    });
    expect(canceled.status, canceled.text).toBe(200);
    expect(canceled.body).toMatchObject({
      status: 'canceled',
      canceled_at: '2026-03-10T00:00:00.000Z',
      ended_at: '2026-03-10T00:00:00.000Z',
    });
    expectError(
      await post(`/ledger/subscriptions/${immediate.id}/cancel`, { immediately: true }),
      400,
      'invalid_state',
    );
    expectError(await post(`/ledger/subscriptions/${immediate.id}/pause`), 400, 'invalid_state');

    const scheduled = await post(`/ledger/subscriptions/${atEnd.id}/cancel`);
    expect(scheduled.status, scheduled.text).toBe(200);
    expect(scheduled.body).toMatchObject({
      status: 'active',
      cancel_at: '2026-04-01T00:00:00.000Z',
      canceled_at: '2026-03-10T00:00:00.000Z',
      ended_at: null,
      current_period_start: now,
    });

    time.set('2026-04-01T00:00:01.000Z');
    const report = await t.server.ledger.billing.runDue();
    expect(report.canceled).toBe(1);
    expect(await getSub(atEnd.id)).toMatchObject({
      status: 'canceled',
      ended_at: '2026-04-01T00:00:00.000Z',
    });
    expect((await getSub(immediate.id)).status).toBe('canceled');
    // The immediate cancel billed the 9 days it was used (3000 × 9/31 = 870.97 → 871) in a
    // final invoice; the period-end one its whole last period.
    const invoices = await invoicesOf(t, c.id);
    expect(
      invoices.map((i) => [i.subscription_id, i.period_start, i.period_end, i.subtotal.amount]),
    ).toEqual([
      [atEnd.id, '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', 3000],
      [immediate.id, '2026-03-01T00:00:00.000Z', '2026-03-10T00:00:00.000Z', 871],
    ]);
    expect(invoices[1]?.number).toMatch(/^INV-/);
    time.set('2026-06-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    expect(await invoicesOf(t, c.id)).toHaveLength(2);
  });

  it('pauses and resumes with invalid_state for the wrong state; used time is billed, paused time never', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);

    expectError(await post(`/ledger/subscriptions/${sub.id}/resume`), 400, 'invalid_state');
    time.set('2026-03-05T00:00:00.000Z');
    const paused = await post(`/ledger/subscriptions/${sub.id}/pause`);
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body).toMatchObject({
      status: 'paused',
      paused_at: '2026-03-05T00:00:00.000Z',
    });
    expectError(await post(`/ledger/subscriptions/${sub.id}/pause`), 400, 'invalid_state');
    expectError(
      await post(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: premium.id }),
      400,
      'invalid_state',
    );
    expectError(
      await post(`/ledger/subscriptions/${sub.id}/pause`, { id: sub.id }),
      400,
      'invalid_input',
      'id',
    );

    // Pausing billed the 4 days used (3000 × 4/31 = 387.10 → 387); the period then ends while
    // paused and nothing more is billed.
    const usedPart = [['2026-03-01T00:00:00.000Z', '2026-03-05T00:00:00.000Z', 387]];
    const billed = async () =>
      (await invoicesOf(t, c.id)).map((i) => [i.period_start, i.period_end, i.subtotal.amount]);
    expect(await billed()).toEqual(usedPart);
    time.set('2026-04-10T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    expect(await billed()).toEqual(usedPart);

    const resumed = await post(`/ledger/subscriptions/${sub.id}/resume`);
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body).toMatchObject({
      status: 'active',
      paused_at: null,
      current_period_start: '2026-04-10T00:00:00.000Z',
      current_period_end: '2026-05-10T00:00:00.000Z',
    });
    expectError(await post(`/ledger/subscriptions/${sub.id}/resume`), 400, 'invalid_state');

    time.set('2026-05-10T00:00:01.000Z');
    await t.server.ledger.billing.runDue();
    expect(await billed()).toEqual([
      ['2026-04-10T00:00:00.000Z', '2026-05-10T00:00:00.000Z', 3000],
      ...usedPart,
    ]);

    // A trialing subscription can be paused too, and resumes as active.
    const trial = await subscribe(t, c.id, trialPlan.id);
    expect((await post(`/ledger/subscriptions/${trial.id}/pause`)).body.status).toBe('paused');
    expect((await post(`/ledger/subscriptions/${trial.id}/resume`)).body.status).toBe('active');

    // Canceling a paused subscription ends it now: its period end is never reached while paused.
    await post(`/ledger/subscriptions/${trial.id}/pause`);
    const ended = await post(`/ledger/subscriptions/${trial.id}/cancel`);
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body).toMatchObject({
      status: 'canceled',
      ended_at: time.now.toISOString(),
      canceled_at: time.now.toISOString(),
    });
  });

  it('runDue catches up every missed period in one call, one invoice per period', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    time.set('2026-06-15T00:00:00.000Z');
    const report = await t.server.ledger.billing.runDue();
    expect(report.periodsBilled).toBeGreaterThanOrEqual(3);
    expect(await getSub(sub.id)).toMatchObject({
      status: 'active',
      current_period_start: '2026-06-01T00:00:00.000Z',
      current_period_end: '2026-07-01T00:00:00.000Z',
    });
    const invoices = await invoicesOf(t, c.id);
    expect(invoices.map((i) => [i.period_start, i.number !== null, i.subtotal.amount])).toEqual([
      ['2026-05-01T00:00:00.000Z', true, 3000],
      ['2026-04-01T00:00:00.000Z', true, 3000],
      ['2026-03-01T00:00:00.000Z', true, 3000],
    ]);
    expect((await t.server.ledger.billing.runDue()).periodsBilled).toBe(0);
  });

  it('bills each plan for exactly its time when a changed subscription is canceled mid-period', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    time.set('2026-03-16T12:00:00.000Z'); // half of the 31-day period
    expect(
      (await post(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: premium.id })).status,
    ).toBe(200);
    time.set('2026-03-24T06:00:00.000Z'); // 23.25 days in: 15.5 on Basic, 7.75 on Premium
    expect(
      (await post(`/ledger/subscriptions/${sub.id}/cancel`, { immediately: true })).status,
    ).toBe(200);
    const [final] = await invoicesOf(t, c.id);
    // Basic 3000 × 15.5/31 = 1500 plus Premium 6000 × 7.75/31 = 1500: the lines are the base
    // (3000 × 23.25/31 = 2250) and the prorations cut at the cancel (−750, +1500).
    expect(final?.line_items.map((l) => [l.kind, l.amount.amount])).toEqual([
      ['base', 2250],
      ['proration', -750],
      ['proration', 1500],
    ]);
    expect(final?.subtotal.amount).toBe(3000);
    expect(final?.period_end).toBe('2026-03-24T06:00:00.000Z');
  });

  it('renews on the anchor day: Jan 31 → Feb 28 → Mar 31 → Apr 30, never drifting to the 28th', async () => {
    time.set('2027-01-31T10:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    expect(sub).toMatchObject({
      current_period_end: '2027-02-28T10:00:00.000Z',
      billing_anchor: '2027-01-31T10:00:00.000Z',
    });
    time.set('2027-05-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const invoices = await invoicesOf(t, c.id);
    expect(invoices.map((i) => [i.period_start, i.period_end])).toEqual([
      ['2027-03-31T10:00:00.000Z', '2027-04-30T10:00:00.000Z'],
      ['2027-02-28T10:00:00.000Z', '2027-03-31T10:00:00.000Z'],
      ['2027-01-31T10:00:00.000Z', '2027-02-28T10:00:00.000Z'],
    ]);
    expect(await getSub(sub.id)).toMatchObject({
      current_period_start: '2027-04-30T10:00:00.000Z',
      current_period_end: '2027-05-31T10:00:00.000Z',
    });
  });

  it('changes plan with proration by seconds: −1500 and +3000 at exactly half of 3000 → 6000', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);

    time.set('2026-03-16T12:00:00.000Z');
    const changed = await post(`/ledger/subscriptions/${sub.id}/change-plan`, {
      plan_id: premium.id,
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({
      plan_id: premium.id,
      status: 'active',
      current_period_start: '2026-03-01T00:00:00.000Z',
      current_period_end: '2026-04-01T00:00:00.000Z',
    });

    time.set('2026-04-01T00:00:00.000Z');
    expect((await t.server.ledger.billing.runDue()).periodsBilled).toBeGreaterThanOrEqual(1);
    const [invoice, ...rest] = await invoicesOf(t, c.id);
    expect(rest).toEqual([]);
    if (!invoice) throw new Error('no invoice');
    // The period started on Basic (3000, billed at its end); half of it moves to Premium.
    expect(
      invoice.line_items.map((l) => [
        l.kind,
        l.amount.amount,
        l.period_start,
        l.period_end,
        l.description,
      ]),
    ).toEqual([
      ['base', 3000, '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z', 'Basic (monthly)'],
      [
        'proration',
        -1500,
        '2026-03-16T12:00:00.000Z',
        '2026-04-01T00:00:00.000Z',
        'Unused time on Basic',
      ],
      [
        'proration',
        3000,
        '2026-03-16T12:00:00.000Z',
        '2026-04-01T00:00:00.000Z',
        'Remaining time on Premium',
      ],
    ]);
    // Half a month of each: 1500 + 3000.
    expect(invoice.subtotal.amount).toBe(4500);
    expect(invoice.tax).toMatchObject({ amount: { amount: 0 }, reason: 'no_address' });
    expect(invoice.amount_due.amount).toBe(4500);

    // The next period is all Premium, with no proration left over.
    time.set('2026-05-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const next = (await invoicesOf(t, c.id))[0];
    expect(next?.line_items.map((l) => [l.kind, l.amount.amount, l.description])).toEqual([
      ['base', 6000, 'Premium (monthly)'],
    ]);
  });

  it('prorates odd fractions half away from zero; several changes in one period add up', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);

    // 21 of 31 days remain: 3000 × 21/31 = 2032.26 → 2032; 6000 × 21/31 = 4064.52 → 4065.
    time.set('2026-03-11T00:00:00.000Z');
    await post(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: premium.id });
    // 11 of 31 days remain: 6000 × 11/31 = 2129.03 → 2129; 3000 × 11/31 = 1064.52 → 1065.
    time.set('2026-03-21T00:00:00.000Z');
    await post(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: basic.id });

    time.set('2026-04-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const [invoice] = await invoicesOf(t, c.id);
    expect(invoice?.line_items.map((l) => [l.kind, l.amount.amount])).toEqual([
      ['base', 3000],
      ['proration', -2032],
      ['proration', 4065],
      ['proration', -2129],
      ['proration', 1065],
    ]);
    // 10 days of Basic, 10 of Premium, 11 of Basic, each rounded once per change.
    expect(invoice?.subtotal.amount).toBe(3000 - 2032 + 4065 - 2129 + 1065);
  });

  it('prorates a yearly plan over a year when a monthly subscription moves to it mid-period', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const yearly = await createPlan(t, {
      slug: 'basic-yearly',
      name: 'Basic yearly',
      pricing: { base_amount: 36_000, billing_period: 'yearly' },
    });
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    time.set('2026-03-16T12:00:00.000Z');
    await post(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: yearly.id });

    time.set('2026-04-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const [invoice] = await invoicesOf(t, c.id);
    // 15.5 days of 365 at 36000 a year: 36000 × 1_339_200 / 31_536_000 = 1528.77 → 1529.
    expect(invoice?.line_items.map((l) => [l.kind, l.amount.amount])).toEqual([
      ['base', 3000],
      ['proration', -1500],
      ['proration', 1529],
    ]);
    // From here on the subscription runs in yearly periods at the yearly price.
    expect(await getSub(sub.id)).toMatchObject({
      current_period_start: '2026-04-01T00:00:00.000Z',
      current_period_end: '2027-04-01T00:00:00.000Z',
    });
    time.set('2027-04-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    expect(
      (await invoicesOf(t, c.id))[0]?.line_items.map((l) => [l.kind, l.amount.amount]),
    ).toEqual([['base', 36_000]]);
  });

  it('changes plan without proration, and during a trial, without proration lines', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const plain = await subscribe(t, c.id, basic.id);
    const trial = await subscribe(t, c.id, premium.id, { trial_days: 5 });
    time.set('2026-03-03T00:00:00.000Z');
    const noProrate = await post(`/ledger/subscriptions/${plain.id}/change-plan`, {
      plan_id: premium.id,
      prorate: false,
    });
    expect(noProrate.body.plan_id).toBe(premium.id);
    const inTrial = await post(`/ledger/subscriptions/${trial.id}/change-plan`, {
      plan_id: basic.id,
    });
    expect(inTrial.body).toMatchObject({ plan_id: basic.id, status: 'trialing' });
    // Same plan: nothing to prorate.
    await post(`/ledger/subscriptions/${plain.id}/change-plan`, { plan_id: premium.id });

    time.set('2026-04-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const invoices = await invoicesOf(t, c.id);
    // Without proration the period is billed on the plan it started on; Premium starts with the
    // next period.
    expect(
      invoices.map((i) => [i.subscription_id, i.line_items.map((l) => [l.kind, l.amount.amount])]),
    ).toEqual([[plain.id, [['base', 3000]]]]);
    time.set('2026-05-01T00:00:00.000Z');
    await t.server.ledger.billing.runDue();
    const next = (await invoicesOf(t, c.id)).filter((i) => i.subscription_id === plain.id)[0];
    expect(next?.line_items.map((l) => [l.kind, l.amount.amount])).toEqual([['base', 6000]]);
  });

  it('refuses a plan in another currency (currency_mismatch naming plan_id)', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id);
    const res = await post(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: euro.id });
    expectError(res, 400, 'currency_mismatch', 'plan_id');
    expect((await getSub(sub.id)).plan_id).toBe(basic.id);
    expectError(
      await post(`/ledger/subscriptions/${sub.id}/change-plan`, {
        plan_id: 'plan_01jdzzzzzzzzzzzzzzzzzzzzzz',
      }),
      404,
      'plan_not_found',
      'plan_id',
    );
  });

  it('refuses deleting a customer and changing its currency while a subscription is live', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, trialPlan.id);
    expect(sub.status).toBe('trialing');

    const live = async () => {
      expectError(
        await t.rest('DELETE', `/ledger/customers/${c.id}`),
        400,
        'has_active_subscriptions',
      );
      expectError(
        await t.rest('PUT', `/ledger/customers/${c.id}`, { body: { currency: 'EUR' } }),
        400,
        'currency_locked',
      );
    };
    await live(); // trialing
    await post(`/ledger/subscriptions/${sub.id}/pause`);
    await live(); // paused
    await post(`/ledger/subscriptions/${sub.id}/resume`);
    await live(); // active
    await post(`/ledger/subscriptions/${sub.id}/cancel`);
    await live(); // still active until the period ends

    await post(`/ledger/subscriptions/${sub.id}/cancel`, { immediately: true });
    // No invoice, no live subscription, zero balance: the currency may change again.
    const switched = await t.rest<Wire>('PUT', `/ledger/customers/${c.id}`, {
      body: { currency: 'EUR' },
    });
    expect(switched.status, switched.text).toBe(200);
    expect(switched.body.currency).toBe('EUR');
    expect((await t.rest('DELETE', `/ledger/customers/${c.id}`)).status).toBe(204);
  });

  it('lists a customer’s subscriptions, oldest first, filtered by status; tRPC agrees', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const a = await subscribe(t, c.id, basic.id);
    const b = await subscribe(t, c.id, trialPlan.id);
    const d = await subscribe(t, c.id, premium.id);
    await post(`/ledger/subscriptions/${d.id}/cancel`, { immediately: true });

    const list = async (query = '') =>
      t.rest<{ data: WireSubscription[] }>(
        'GET',
        `/ledger/customers/${c.id}/subscriptions${query}`,
      );
    const all = await list();
    expect(all.status).toBe(200);
    expect(all.body.data.map((s) => [s.id, s.status])).toEqual([
      [a.id, 'active'],
      [b.id, 'trialing'],
      [d.id, 'canceled'],
    ]);
    expect((await list('?status=trialing')).body.data.map((s) => s.id)).toEqual([b.id]);
    expect((await list('?status=canceled')).body.data.map((s) => s.id)).toEqual([d.id]);
    expect((await list('?status=paused')).body.data).toEqual([]);
    expectError(await list('?status=gone'), 400, 'invalid_input', 'status');
    expectError(await list('?customer_id=x'), 400, 'invalid_input', 'customer_id');
    expectError(
      await t.rest('GET', '/ledger/customers/cus_01jdzzzzzzzzzzzzzzzzzzzzzz/subscriptions'),
      404,
      'customer_not_found',
    );
    expectError(
      await t.rest('GET', `/ledger/customers/${c.id}/subscriptions`, { key: t.keyB }),
      404,
      'customer_not_found',
    );

    const trpc = await t.client().customer.subscriptions.list.query({
      customerId: c.id,
      status: 'active',
    });
    expect(trpc.data.map((s) => s.id)).toEqual([a.id]);
    expect(trpc.data[0]?.currentPeriodEnd).toBeInstanceOf(Date);
  });

  it('records subscription.* events in the outbox with increasing sequence', async () => {
    time.set('2026-03-01T00:00:00.000Z');
    const c = await customer();
    const sub = await subscribe(t, c.id, basic.id, { trial_days: 2 });
    time.set('2026-03-03T00:00:01.000Z');
    await t.server.ledger.billing.runDue();
    await post(`/ledger/subscriptions/${sub.id}/change-plan`, { plan_id: premium.id });
    await post(`/ledger/subscriptions/${sub.id}/pause`);
    await post(`/ledger/subscriptions/${sub.id}/resume`);
    await post(`/ledger/subscriptions/${sub.id}/cancel`, { immediately: true });

    const events = await eventsOf(t, c.id);
    const billing = events.filter((e) => e.type.startsWith('subscription.'));
    expect(billing.map((e) => e.type)).toEqual([
      'subscription.created',
      'subscription.trial_ended',
      'subscription.updated',
      'subscription.paused',
      'subscription.resumed',
      'subscription.canceled',
    ]);
    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    expect(new Set(sequences).size).toBe(sequences.length);
    for (const event of billing) {
      expect(event.customerId).toBe(c.id);
      expect(event.data.object).toMatchObject({ id: sub.id });
    }
    expect(billing[1]?.previousAttributes).toMatchObject({ status: 'trialing' });
    expect(billing[2]?.previousAttributes).toEqual({ planId: basic.id });
    expect(billing[3]?.previousAttributes).toMatchObject({ status: 'active', pausedAt: null });
    expect(billing[5]?.data.object).toMatchObject({ status: 'canceled' });
  });
});
