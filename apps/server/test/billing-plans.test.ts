import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import {
  createCustomer,
  createPlan,
  expectError,
  invoicesOf,
  manualClock,
  monthlyPlan,
  subscribe,
  type Wire,
} from './support.js';

interface WirePlan {
  id: string;
  name: string;
  slug: string;
  currency: string;
  status: string;
  trial_days: number;
  features: Array<{
    key: string;
    name: string;
    type: string;
    limit: number;
    period: string;
    soft_limit: boolean;
  }>;
  pricing: {
    base_amount: number;
    billing_period: string;
    tiers: Array<{
      feature_key: string;
      type: string;
      up_to: number;
      unit_amount: number;
      flat_amount: number;
    }>;
  };
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

const features = [
  {
    key: 'api_calls',
    name: 'API calls',
    type: 'metered',
    limit: 10_000,
    period: 'monthly',
    soft_limit: true,
  },
  { key: 'storage_gb', name: 'Storage', type: 'metered', limit: -1, period: 'yearly' },
  { key: 'seats', name: 'Seats', type: 'seat', limit: 5, period: 'none' },
  { key: 'sso', name: 'SSO', type: 'boolean' },
];

const tiers = [
  { feature_key: 'api_calls', type: 'graduated', up_to: 1000, unit_amount: 0 },
  { feature_key: 'api_calls', type: 'graduated', up_to: 5000, unit_amount: 2 },
  { feature_key: 'api_calls', type: 'graduated', up_to: -1, unit_amount: 1, flat_amount: 500 },
  { feature_key: 'storage_gb', type: 'volume', up_to: 100, unit_amount: 10 },
  { feature_key: 'storage_gb', type: 'volume', up_to: -1, unit_amount: 5 },
  { feature_key: 'seats', type: 'flat', up_to: -1, flat_amount: 1200 },
];

/** A valid plan body to break one field of. */
function validPlan(slug: string): Record<string, unknown> {
  return {
    name: 'Valid',
    slug,
    currency: 'USD',
    features: [
      { key: 'calls', name: 'Calls', type: 'metered', limit: 100 },
      { key: 'sso', name: 'SSO', type: 'boolean' },
    ],
    pricing: {
      base_amount: 1000,
      billing_period: 'monthly',
      tiers: [
        { feature_key: 'calls', type: 'graduated', up_to: 100, unit_amount: 1 },
        { feature_key: 'calls', type: 'graduated', up_to: 1000, unit_amount: 2 },
        { feature_key: 'calls', type: 'graduated', up_to: -1, unit_amount: 3 },
      ],
    },
  };
}

function withTiers(slug: string, tierList: unknown[]): Record<string, unknown> {
  const plan = validPlan(slug);
  return { ...plan, pricing: { ...(plan.pricing as object), tiers: tierList } };
}

describe.each(testDatabaseKinds())('billing plans over REST on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T00:00:00.000Z');

  beforeAll(async () => {
    t = await startTestLedger(kind, { clock: time.clock });
  });
  afterAll(() => t.close());

  it('creates a plan with every kind of feature and tier, in snake_case, and reads it back', async () => {
    const res = await t.rest<WirePlan>('POST', '/ledger/plans', {
      body: {
        name: '  Pro  ',
        slug: 'pro',
        currency: 'usd',
        trial_days: 14,
        features,
        pricing: { base_amount: 4999, billing_period: 'monthly', tiers },
        metadata: { tier: 'gold' },
      },
    });
    expect(res.status, res.text).toBe(201);
    const plan = res.body;
    expect(plan.id).toMatch(/^plan_[0-9a-z]{26}$/);
    expect(plan).toMatchObject({
      name: 'Pro',
      slug: 'pro',
      currency: 'USD',
      status: 'active',
      trial_days: 14,
      metadata: { tier: 'gold' },
    });
    // Defaults: limit -1 (unlimited), period monthly, soft_limit false; amounts 0.
    expect(plan.features).toEqual([
      {
        key: 'api_calls',
        name: 'API calls',
        type: 'metered',
        limit: 10_000,
        period: 'monthly',
        soft_limit: true,
      },
      {
        key: 'storage_gb',
        name: 'Storage',
        type: 'metered',
        limit: -1,
        period: 'yearly',
        soft_limit: false,
      },
      { key: 'seats', name: 'Seats', type: 'seat', limit: 5, period: 'none', soft_limit: false },
      { key: 'sso', name: 'SSO', type: 'boolean', limit: -1, period: 'monthly', soft_limit: false },
    ]);
    expect(plan.pricing).toEqual({
      base_amount: 4999,
      billing_period: 'monthly',
      tiers: [
        {
          feature_key: 'api_calls',
          type: 'graduated',
          up_to: 1000,
          unit_amount: 0,
          flat_amount: 0,
        },
        {
          feature_key: 'api_calls',
          type: 'graduated',
          up_to: 5000,
          unit_amount: 2,
          flat_amount: 0,
        },
        {
          feature_key: 'api_calls',
          type: 'graduated',
          up_to: -1,
          unit_amount: 1,
          flat_amount: 500,
        },
        { feature_key: 'storage_gb', type: 'volume', up_to: 100, unit_amount: 10, flat_amount: 0 },
        { feature_key: 'storage_gb', type: 'volume', up_to: -1, unit_amount: 5, flat_amount: 0 },
        { feature_key: 'seats', type: 'flat', up_to: -1, unit_amount: 0, flat_amount: 1200 },
      ],
    });

    const got = await t.rest<WirePlan>('GET', `/ledger/plans/${plan.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(plan);

    const trpc = await t.client().plan.get.query({ id: plan.id });
    expect(trpc).toMatchObject({ id: plan.id, slug: 'pro', pricing: { baseAmount: 4999 } });
  });

  it('lists active plans by default, archived or all on request', async () => {
    const a = await createPlan(t, { slug: 'list-a' });
    const b = await createPlan(t, { slug: 'list-b' });
    const archived = await t.rest<WirePlan>('PUT', `/ledger/plans/${b.id}`, {
      body: { status: 'archived' },
    });
    expect(archived.status, archived.text).toBe(200);
    expect(archived.body.status).toBe('archived');

    const slugs = async (query: string) =>
      (await t.rest<{ data: WirePlan[] }>('GET', `/ledger/plans${query}`)).body.data
        .map((p) => p.slug)
        .filter((s) => s.startsWith('list-'));
    expect(await slugs('')).toEqual(['list-a']);
    expect(await slugs('?status=active')).toEqual(['list-a']);
    expect(await slugs('?status=archived')).toEqual(['list-b']);
    expect(await slugs('?status=all')).toEqual(['list-a', 'list-b']);
    expectError(
      await t.rest('GET', '/ledger/plans?status=retired'),
      400,
      'invalid_input',
      'status',
    );
    // Plans of another scope are invisible.
    const other = await t.rest<{ data: WirePlan[] }>('GET', '/ledger/plans?status=all', {
      key: t.keyB,
    });
    expect(other.body.data.map((p) => p.id)).not.toContain(a.id);
    expectError(
      await t.rest('GET', `/ledger/plans/${a.id}`, { key: t.keyB }),
      404,
      'plan_not_found',
    );
  });

  it('updates name, trial days and metadata; prices cannot change in place', async () => {
    const plan = await createPlan(t, {
      slug: 'updatable',
      metadata: { keep: 'yes', drop: 'me' },
      pricing: { base_amount: 1500, billing_period: 'yearly' },
    });
    time.advance(1000);
    const res = await t.rest<WirePlan>('PUT', `/ledger/plans/${plan.id}`, {
      body: { name: 'Renamed', trial_days: 30, metadata: { drop: null, added: 'x' } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Renamed',
      trial_days: 30,
      status: 'active',
      slug: 'updatable',
      metadata: { keep: 'yes', added: 'x' },
      pricing: { base_amount: 1500, billing_period: 'yearly', tiers: [] },
    });
    expect(res.body.metadata).not.toHaveProperty('drop');
    expect(res.body.updated_at).not.toBe(plan.updated_at);
    expect(res.body.created_at).toBe(plan.created_at);
    expect((await t.rest<WirePlan>('GET', `/ledger/plans/${plan.id}`)).body).toEqual(res.body);

    expectError(
      await t.rest('PUT', `/ledger/plans/${plan.id}`, {
        body: { pricing: { base_amount: 1 } },
      }),
      400,
      'invalid_input',
      'pricing',
    );
    expectError(
      await t.rest('PUT', `/ledger/plans/${plan.id}`, { body: { slug: 'other' } }),
      400,
      'invalid_input',
      'slug',
    );
    expectError(
      await t.rest('PUT', `/ledger/plans/${plan.id}`, { body: { status: 'deleted' } }),
      400,
      'invalid_input',
      'status',
    );
    expectError(
      await t.rest('PUT', `/ledger/plans/${plan.id}`, { body: { id: plan.id } }),
      400,
      'invalid_input',
      'id',
    );
    expectError(
      await t.rest('PUT', '/ledger/plans/plan_01jdzzzzzzzzzzzzzzzzzzzzzz', { body: { name: 'x' } }),
      404,
      'plan_not_found',
    );
    expectError(
      await t.rest('GET', '/ledger/plans/cus_01jdzzzzzzzzzzzzzzzzzzzzzz'),
      400,
      'invalid_id',
      'id',
    );
  });

  it('refuses a second plan with the same slug in a scope (409), not in another scope', async () => {
    await createPlan(t, { slug: 'taken' });
    expectError(
      await t.rest('POST', '/ledger/plans', { body: validPlan('taken') }),
      409,
      'duplicate_plan_slug',
    );
    await createPlan(t, { slug: 'taken' }, t.keyB);
  });

  it.each([
    [
      'tiers out of order',
      withTiers('bad-order', [
        { feature_key: 'calls', type: 'graduated', up_to: 500, unit_amount: 1 },
        { feature_key: 'calls', type: 'graduated', up_to: 100, unit_amount: 2 },
        { feature_key: 'calls', type: 'graduated', up_to: -1, unit_amount: 3 },
      ]),
      'invalid_input',
      'pricing.tiers[1].up_to',
    ],
    [
      'an open tier that is not last',
      withTiers('bad-open', [
        { feature_key: 'calls', type: 'volume', up_to: -1, unit_amount: 1 },
        { feature_key: 'calls', type: 'volume', up_to: 100, unit_amount: 2 },
      ]),
      'invalid_input',
      'pricing.tiers[0].up_to',
    ],
    [
      'no open last tier',
      withTiers('bad-closed', [
        { feature_key: 'calls', type: 'volume', up_to: 100, unit_amount: 1 },
        { feature_key: 'calls', type: 'volume', up_to: 200, unit_amount: 2 },
      ]),
      'invalid_input',
      'pricing.tiers[1].up_to',
    ],
    [
      'a tier of zero units',
      withTiers('bad-zero', [
        { feature_key: 'calls', type: 'flat', up_to: 0, flat_amount: 1 },
        { feature_key: 'calls', type: 'flat', up_to: -1, flat_amount: 2 },
      ]),
      'invalid_input',
      'pricing.tiers[0].up_to',
    ],
    [
      'a tier for an unknown feature',
      withTiers('bad-feature', [{ feature_key: 'ghost', type: 'flat', up_to: -1 }]),
      'invalid_input',
      'pricing.tiers[0].feature_key',
    ],
    [
      'a tier for a boolean feature',
      withTiers('bad-boolean', [{ feature_key: 'sso', type: 'flat', up_to: -1 }]),
      'invalid_input',
      'pricing.tiers[0].feature_key',
    ],
    [
      'mixed tier types for one feature',
      withTiers('bad-mixed', [
        { feature_key: 'calls', type: 'graduated', up_to: 100, unit_amount: 1 },
        { feature_key: 'calls', type: 'volume', up_to: -1, unit_amount: 2 },
      ]),
      'invalid_input',
      'pricing.tiers[1].type',
    ],
    [
      'an unknown tier type',
      withTiers('bad-type', [{ feature_key: 'calls', type: 'stairstep', up_to: -1 }]),
      'invalid_input',
      'pricing.tiers[0].type',
    ],
    [
      'a negative unit amount',
      withTiers('bad-unit', [{ feature_key: 'calls', type: 'volume', up_to: -1, unit_amount: -1 }]),
      'invalid_input',
      'pricing.tiers[0].unit_amount',
    ],
    [
      'duplicate feature keys',
      {
        ...validPlan('bad-dup'),
        features: [
          { key: 'calls', name: 'Calls', type: 'metered' },
          { key: 'calls', name: 'Calls again', type: 'seat' },
        ],
        pricing: { base_amount: 0, billing_period: 'monthly' },
      },
      'invalid_input',
      'features',
    ],
    [
      'an unknown feature type',
      {
        ...validPlan('bad-ftype'),
        features: [{ key: 'calls', name: 'Calls', type: 'gauge' }],
        pricing: { base_amount: 0, billing_period: 'monthly' },
      },
      'invalid_input',
      'features[0].type',
    ],
    [
      'a limit below -1',
      {
        ...validPlan('bad-limit'),
        features: [{ key: 'calls', name: 'Calls', type: 'metered', limit: -2 }],
        pricing: { base_amount: 0, billing_period: 'monthly' },
      },
      'invalid_input',
      'features[0].limit',
    ],
    [
      'a bad feature key',
      {
        ...validPlan('bad-key'),
        features: [{ key: 'API Calls', name: 'Calls', type: 'metered' }],
        pricing: { base_amount: 0, billing_period: 'monthly' },
      },
      'invalid_input',
      'features[0].key',
    ],
    [
      'a negative base amount',
      { ...validPlan('bad-base'), pricing: { base_amount: -1, billing_period: 'monthly' } },
      'invalid_input',
      'pricing.base_amount',
    ],
    [
      'a weekly billing period',
      { ...validPlan('bad-period'), pricing: { base_amount: 1, billing_period: 'weekly' } },
      'invalid_input',
      'pricing.billing_period',
    ],
    ['a slug with capitals', validPlan('Bad Slug'), 'invalid_input', 'slug'],
    [
      'an unknown currency',
      { ...validPlan('bad-cur'), currency: 'XYZ' },
      'invalid_currency',
      'currency',
    ],
    [
      'a missing pricing',
      { name: 'x', slug: 'bad-nopricing', currency: 'USD' },
      'invalid_input',
      'pricing',
    ],
    [
      'trial days out of range',
      { ...validPlan('bad-trial'), trial_days: 731 },
      'invalid_input',
      'trial_days',
    ],
  ])('refuses %s, naming the parameter', async (_what, body, code, param) => {
    const res = await t.rest('POST', '/ledger/plans', { body });
    expectError(res, 400, code, param);
  });

  it('refuses camelCase keys with their wire path', async () => {
    const res = await t.rest('POST', '/ledger/plans', {
      body: { ...validPlan('bad-camel'), pricing: { baseAmount: 1, billing_period: 'monthly' } },
    });
    expectError(res, 400, 'invalid_input', 'pricing.baseAmount');
    // Nothing was stored by the refused creates.
    const all = await t.rest<{ data: WirePlan[] }>('GET', '/ledger/plans?status=all');
    expect(all.body.data.filter((p) => p.slug.startsWith('bad-'))).toEqual([]);
  });

  it('an archived plan takes no new subscriptions but keeps and bills the ones it has', async () => {
    const plan = await monthlyPlan(t, 'retiring', 2500);
    const other = await createPlan(t, { slug: 'retiring-next' });
    const customer = await createCustomer(t, { email: 'archive@example.com' });
    const sub = await subscribe(t, customer.id, plan.id);
    expect(sub.status).toBe('active');

    const archive = await t.rest<WirePlan>('PUT', `/ledger/plans/${plan.id}`, {
      body: { status: 'archived' },
    });
    expect(archive.body.status).toBe('archived');

    const newcomer = await createCustomer(t, { email: 'late@example.com' });
    expectError(
      await t.rest('POST', '/ledger/subscriptions', {
        body: { customer_id: newcomer.id, plan_id: plan.id },
      }),
      400,
      'plan_archived',
      'plan_id',
    );
    expectError(
      await t.rest('POST', '/ledger/subscriptions', {
        body: { customer_id: newcomer.id, plan_id: 'plan_01jdzzzzzzzzzzzzzzzzzzzzzz' },
      }),
      404,
      'plan_not_found',
      'plan_id',
    );
    // Moving another subscription onto the archived plan is refused the same way.
    const second = await subscribe(t, newcomer.id, other.id);
    expectError(
      await t.rest('POST', `/ledger/subscriptions/${second.id}/change-plan`, {
        body: { plan_id: plan.id },
      }),
      400,
      'plan_archived',
      'plan_id',
    );

    // The existing subscription lives on and is billed at the archived plan's price.
    const still = await t.rest<Wire>('GET', `/ledger/subscriptions/${sub.id}`);
    expect(still.body).toMatchObject({ status: 'active', plan_id: plan.id });
    time.set(new Date(new Date(sub.current_period_end).getTime() + 1000));
    const report = await t.server.ledger.billing.runDue();
    expect(report.periodsBilled).toBeGreaterThanOrEqual(1);
    const invoices = await invoicesOf(t, customer.id);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]?.line_items.map((l) => [l.kind, l.amount.amount])).toEqual([['base', 2500]]);
    const rolled = await t.rest<Wire>('GET', `/ledger/subscriptions/${sub.id}`);
    expect(rolled.body).toMatchObject({
      status: 'active',
      plan_id: plan.id,
      current_period_start: sub.current_period_end,
    });

    // Reactivating the plan opens it to new subscriptions again.
    await t.rest('PUT', `/ledger/plans/${plan.id}`, { body: { status: 'active' } });
    const revived = await subscribe(t, newcomer.id, plan.id);
    expect(revived.status).toBe('active');
  });
});
