import { testDatabaseKinds } from '@ledger/db/testing';
import type { Store } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import { createCustomer } from './support.js';
import { createEndpoint } from './webhook-support.js';

/**
 * The webhook worker claims nothing after a commit while no endpoint is enabled anywhere (a
 * commit cannot have queued an attempt then): writes cost one statement less. Its poll looks for
 * endpoints instead, so the first endpoint still gets the events that follow it.
 */
describe.each(testDatabaseKinds())('webhook claims when nothing subscribes on %s', (kind) => {
  let t: TestLedger;
  let hooks: TestReceiver;
  const calls = { claims: 0, lookups: 0 };

  /** The real store, counting the worker's two questions of it. */
  function counting(real: Store): Store {
    return new Proxy(real, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (name === 'claimWebhookDeliveries') calls.claims++;
        if (name === 'anyEnabledWebhookEndpoint') calls.lookups++;
        return value;
      },
    });
  }

  beforeAll(async () => {
    t = await startTestLedger(kind, { wrapStore: counting });
    hooks = await startReceiver(() => ({ status: 204 }));
  });
  afterAll(async () => {
    await t?.close();
    await hooks?.close();
  });

  it('sends no claim after writes while no endpoint exists, and delivers once one does', async () => {
    // The poll's first look has found no endpoint once it has looked at all.
    await expect.poll(() => calls.lookups, { timeout: 5000 }).toBeGreaterThan(0);
    const claimsBefore = calls.claims;
    for (let i = 0; i < 20; i++) await createCustomer(t, { email: `idle${i}@example.com` });
    expect(calls.claims - claimsBefore).toBe(0);

    await createEndpoint(t, { url: hooks.url, enabled_events: ['customer.created'] });
    const customer = await createCustomer(t, { email: 'after@example.com' });
    const [received] = await hooks.waitFor(1, 5000);
    expect(received?.event.customer_id).toBe(customer.id);
    // Known to exist now: the next commit's events are claimed right after it.
    const claimsNow = calls.claims;
    await createCustomer(t, { email: 'next@example.com' });
    expect(calls.claims).toBeGreaterThan(claimsNow);
    await hooks.waitFor(2, 5000);
  });
});
