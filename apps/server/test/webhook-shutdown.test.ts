import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestLedger } from './harness.js';
import { startReceiver, type TestReceiver } from './receivers.js';
import { createCustomer } from './support.js';

/**
 * A hung receiver does not hold a stopping server past `LEDGER_SHUTDOWN_TIMEOUT_MS`: the worker
 * stops waiting for its attempts, which keep their lease and are sent again after a restart.
 */
describe.each(testDatabaseKinds())('stopping while a webhook attempt hangs, on %s', (kind) => {
  let receiver: TestReceiver | undefined;
  afterAll(() => receiver?.close());

  it('closes within the shutdown timeout, not the 30 s webhook timeout', async () => {
    receiver = await startReceiver(() => 'hang');
    const t = await startTestLedger(
      kind,
      {},
      {
        LEDGER_WEBHOOK_TIMEOUT_MS: '30000',
        LEDGER_SHUTDOWN_TIMEOUT_MS: '500',
      },
    );
    const created = await t.rest('POST', '/ledger/webhook-endpoints', {
      body: { url: receiver.url, enabled_events: ['*'] },
    });
    expect(created.status, created.text).toBe(201);
    await createCustomer(t, { name: 'Hung Hal', email: 'hal@example.com' });
    await receiver.waitFor(1);
    // Without the bound, close() waits out the 30 s attempt and this test times out.
    await t.close();
    expect(receiver.received).toHaveLength(1);
  }, 15_000);
});
