import { PortalConfigurationObject } from '@ledger/api';
import { ledgerErrorOf } from '@ledger/client';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { createPlan, expectError } from './support.js';

const PATH = '/ledger/portal/configuration';

describe.each(testDatabaseKinds())('portal configuration on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t.close());

  const put = (body: unknown, key?: string) =>
    t.rest('PUT', PATH, { body, ...(key ? { key } : {}) });
  const get = async (key?: string) => {
    const res = await t.rest('GET', PATH, key ? { key } : {});
    expect(res.status, res.text).toBe(200);
    return PortalConfigurationObject.parse(res.body);
  };

  it('starts with every feature on (scope B, untouched)', async () => {
    expect(await get(t.keyB)).toEqual({
      business: {
        name: 'app',
        privacy_policy_url: null,
        terms_of_service_url: null,
        support_email: null,
      },
      default_return_url: null,
      features: {
        invoice_history: { enabled: true },
        payment_method_update: { enabled: true },
        subscription_update: { enabled: true, plans: [] },
        subscription_cancel: { enabled: true, mode: 'at_period_end' },
        customer_update: {
          enabled: true,
          allowed_updates: ['name', 'email', 'address', 'tax_id'],
        },
        data_export: { enabled: true },
      },
      updated_at: null,
    });
  });

  it('merges objects field by field, replaces lists, and null clears nullable fields', async () => {
    const [pro, team] = [
      await createPlan(t, { slug: 'pro' }),
      await createPlan(t, { slug: 'team' }),
    ];
    const first = await put({
      business: {
        name: 'Acme Billing',
        support_email: 'Help@Acme.example',
        privacy_policy_url: 'https://acme.example/privacy',
      },
      default_return_url: 'https://acme.example/account',
      features: {
        subscription_update: { plans: [pro.id, team.id] },
        customer_update: { allowed_updates: ['email', 'address'] },
      },
    });
    expect(first.status, first.text).toBe(200);
    const merged = PortalConfigurationObject.parse(first.body);
    expect(merged.business).toEqual({
      name: 'Acme Billing',
      support_email: 'help@acme.example',
      privacy_policy_url: 'https://acme.example/privacy',
      terms_of_service_url: null,
    });
    expect(merged.updated_at).not.toBeNull();

    const second = await put({
      business: { terms_of_service_url: 'https://acme.example/terms' },
      features: {
        subscription_update: { plans: [team.id] },
        subscription_cancel: { mode: 'immediately' },
        invoice_history: { enabled: false },
      },
    });
    expect(second.status, second.text).toBe(200);
    const now = await get();
    expect(now.business).toEqual({
      name: 'Acme Billing',
      support_email: 'help@acme.example',
      privacy_policy_url: 'https://acme.example/privacy',
      terms_of_service_url: 'https://acme.example/terms',
    });
    expect(now.features).toEqual({
      invoice_history: { enabled: false },
      payment_method_update: { enabled: true },
      subscription_update: { enabled: true, plans: [team.id] },
      subscription_cancel: { enabled: true, mode: 'immediately' },
      customer_update: { enabled: true, allowed_updates: ['email', 'address'] },
      data_export: { enabled: true },
    });
    expect(now.default_return_url).toBe('https://acme.example/account');

    const cleared = await put({
      business: { privacy_policy_url: null, support_email: null },
      default_return_url: null,
    });
    expect(cleared.status, cleared.text).toBe(200);
    const after = await get();
    expect(after.business).toEqual({
      name: 'Acme Billing',
      support_email: null,
      privacy_policy_url: null,
      terms_of_service_url: 'https://acme.example/terms',
    });
    expect(after.default_return_url).toBeNull();
    expect(after.features).toEqual(now.features);
  });

  it.each([
    [{ business: { support_email: 'not an email' } }, 'invalid_email', 'business.support_email'],
    [{ business: { name: '' } }, 'invalid_input', 'business.name'],
    [{ business: { name: null } }, 'invalid_input', 'business.name'],
    [{ default_return_url: 'ftp://acme.example' }, 'invalid_input', 'default_return_url'],
    [{ default_return_url: 'not a url' }, 'invalid_input', 'default_return_url'],
    [
      { business: { privacy_policy_url: 'javascript:alert(1)' } },
      'invalid_input',
      'business.privacy_policy_url',
    ],
    [
      { features: { subscription_cancel: { mode: 'never' } } },
      'invalid_input',
      'features.subscription_cancel.mode',
    ],
    [
      { features: { customer_update: { allowed_updates: ['phone'] } } },
      'invalid_input',
      'features.customer_update.allowed_updates[0]',
    ],
    [
      { features: { invoice_history: { enabled: 'yes' } } },
      'invalid_input',
      'features.invoice_history.enabled',
    ],
    [{ features: { loyalty: { enabled: true } } }, 'invalid_input', 'features.loyalty'],
    [
      { features: { subscription_update: { plans: ['cus_123'] } } },
      'invalid_id',
      'features.subscription_update.plans[0]',
    ],
  ])('refuses %j with 400 %s naming %s, and changes nothing', async (body, code, param) => {
    const before = await get();
    expectError(await put(body), 400, code, param);
    expect(await get()).toEqual(before);
  });

  it('gets and sets over tRPC, the same configuration as REST', async () => {
    const client = t.client();
    const set = await client.portal.configuration.set.mutate({
      business: { name: 'Acme over tRPC' },
      features: { dataExport: { enabled: false } },
    });
    expect(set.business.name).toBe('Acme over tRPC');
    expect(set.updatedAt).toBeInstanceOf(Date);
    const got = await client.portal.configuration.get.query();
    expect(got).toEqual(set);
    const rest = await get();
    expect(rest.business.name).toBe('Acme over tRPC');
    expect(rest.features.data_export.enabled).toBe(false);
    const refused = await client.portal.configuration.set
      .mutate({ defaultReturnUrl: 'mailto:someone@acme.example' })
      .then(
        () => null,
        (error: unknown) => ledgerErrorOf(error),
      );
    expect(refused).toMatchObject({ code: 'invalid_input', param: 'defaultReturnUrl' });
  });

  it("keeps each scope's configuration its own", async () => {
    const a = await get();
    expect(a.business.name).not.toBe('app');
    expect(await get(t.keyB)).toMatchObject({
      business: { name: 'app' },
      default_return_url: null,
      features: { invoice_history: { enabled: true }, data_export: { enabled: true } },
      updated_at: null,
    });
    const b = await put({ business: { name: 'Scope B' } }, t.keyB);
    expect(b.status, b.text).toBe(200);
    expect((await get(t.keyB)).business.name).toBe('Scope B');
    expect(await get()).toEqual(a);
  });
});
