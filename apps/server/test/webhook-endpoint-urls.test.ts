import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { expectError } from './support.js';
import { countOf, createEndpoint, trpcFailure } from './webhook-support.js';

/**
 * What an endpoint may point at and subscribe to (EVENTS.md "Webhook endpoints"): an absolute
 * http(s) URL of at most 2048 characters without credentials, never a loopback, private,
 * link-local or multicast address unless LEDGER_WEBHOOK_ALLOW_PRIVATE; `enabled_events` of
 * `*`, event types and `prefix.*`. A refusal writes nothing.
 */

const MALFORMED = [
  'not a url',
  '/relative/hook',
  'crm.example.com/hook',
  'ftp://crm.example.com/hook',
  `https://crm.example.com/${'a'.repeat(2048)}`,
  'https://user:pass@crm.example.com/hook',
  'https://user@crm.example.com/hook',
];

const PRIVATE = [
  'http://127.0.0.1/',
  'http://localhost/',
  'http://[::1]/',
  'http://10.0.0.1/',
  'http://169.254.169.254/',
  'http://224.0.0.1/',
  'http://[::ffff:127.0.0.1]/',
  'http://0x7f.1/',
];

describe.each(testDatabaseKinds())('webhook endpoint URLs and subscriptions on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind, {}, { LEDGER_WEBHOOK_ALLOW_PRIVATE: 'false' });
  });
  afterAll(() => t?.close());

  const endpoints = () => countOf(t, 'select count(*) from webhook_endpoints');
  const create = (body: Record<string, unknown>) =>
    t.rest('POST', '/ledger/webhook-endpoints', { body: { enabled_events: ['*'], ...body } });

  it('refuses a URL that is not absolute http(s), too long, or holds credentials', async () => {
    const before = await endpoints();
    for (const url of MALFORMED) {
      expectError(await create({ url }), 400, 'invalid_webhook_url', 'url');
    }
    expect(await endpoints()).toBe(before);
    // At 2048 characters exactly it is still a URL Ledger takes (a public literal: no DNS).
    const base = 'https://93.184.216.34/';
    const longest = `${base}${'a'.repeat(2048 - base.length)}`;
    expect(longest).toHaveLength(2048);
    expect((await create({ url: longest })).status).toBe(201);
    expect(
      await trpcFailure(
        t.client().webhookEndpoint.create.mutate({ url: 'ftp://x.example/', enabledEvents: ['*'] }),
      ),
    ).toMatchObject({ code: 'invalid_webhook_url', param: 'url' });
  });

  it('refuses loopback, private, link-local and multicast addresses, and writes nothing', async () => {
    const before = await endpoints();
    for (const url of PRIVATE) {
      const error = expectError(await create({ url }), 400, 'invalid_webhook_url', 'url');
      expect(error.type).toBe('validation');
    }
    expect(await endpoints()).toBe(before);
    expect(
      await trpcFailure(
        t.client().webhookEndpoint.create.mutate({ url: PRIVATE[0] ?? '', enabledEvents: ['*'] }),
      ),
    ).toMatchObject({ code: 'invalid_webhook_url', param: 'url' });
  });

  it('accepts a public address literal, and refuses moving it to a private one', async () => {
    const endpoint = await createEndpoint(t, {
      url: 'https://93.184.216.34/hook',
      enabled_events: ['customer.created'],
    });
    expect(endpoint.url).toBe('https://93.184.216.34/hook');
    for (const url of ['http://10.0.0.1/', 'ftp://93.184.216.34/']) {
      const moved = await t.rest('PUT', `/ledger/webhook-endpoints/${endpoint.id}`, {
        body: { url },
      });
      expectError(moved, 400, 'invalid_webhook_url', 'url');
    }
    const kept = await t.rest<{ url: string }>('GET', `/ledger/webhook-endpoints/${endpoint.id}`);
    expect(kept.body.url).toBe('https://93.184.216.34/hook');
  });

  it('takes "*", event types and prefix.* wildcards, and names an unknown type', async () => {
    const url = 'https://93.184.216.34/events';
    for (const enabled of [
      ['*'],
      ['customer.created'],
      ['customer.*'],
      ['customer.payment_method.*', 'invoice.paid'],
      ['webhook_endpoint.disabled'],
    ]) {
      const res = await create({ url, enabled_events: enabled });
      expect(res.status, `${enabled}: ${res.text}`).toBe(201);
      expect(res.body.enabled_events).toEqual(enabled);
    }
    const repeated = await create({ url, enabled_events: ['invoice.paid', 'invoice.paid'] });
    expect(repeated.body.enabled_events).toEqual(['invoice.paid']);

    const before = await endpoints();
    const refusals: Array<[unknown, string]> = [
      [['customer.nonsense'], 'enabled_events[0]'],
      [['customer.created', 'bogus.type'], 'enabled_events[1]'],
      [['nothing.*'], 'enabled_events[0]'],
      [['customer*'], 'enabled_events[0]'],
      [['**'], 'enabled_events[0]'],
      [[], 'enabled_events'],
      ['*', 'enabled_events'],
    ];
    for (const [enabled, param] of refusals) {
      expectError(await create({ url, enabled_events: enabled }), 400, 'invalid_input', param);
    }
    expectError(
      await t.rest('POST', '/ledger/webhook-endpoints', { body: { url } }),
      400,
      'invalid_input',
      'enabled_events',
    );
    expect(await endpoints()).toBe(before);
    expect(
      await trpcFailure(
        t.client().webhookEndpoint.create.mutate({ url, enabledEvents: ['customer', 'invoice.*'] }),
      ),
    ).toMatchObject({ code: 'invalid_input', param: 'enabledEvents[0]' });
  });
});
