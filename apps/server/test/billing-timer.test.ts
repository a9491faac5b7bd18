import { testDatabaseKinds } from '@ledger/db/testing';
import { builtInTax, type TaxPort } from '@ledger/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { createCustomer, manualClock, monthlyPlan, subscribe } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The billing timer runs one `runDue` at a time (the next is scheduled after the previous ends),
 * and `close()` stops the run in flight at its next safe point: it waits for the subscription in
 * hand and bills no other. A tax port that holds every calculation until the
 * test releases it keeps a run in flight for as long as the test needs.
 */
describe.each(testDatabaseKinds())('billing timer on %s', (kind) => {
  let t: TestLedger;
  const time = manualClock('2026-03-01T00:00:00.000Z');
  const order: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  let gate: Promise<void> | null = null;
  let open = () => {};
  let onEntered = () => {};
  const entered = new Promise<void>((resolve) => {
    onEntered = resolve;
  });
  const shipped = builtInTax('US');
  const tax: TaxPort = {
    rate: (address) => shipped.rate(address),
    async calculate(request) {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (gate) {
          order.push('tax entered');
          onEntered();
          await gate;
        }
        return await shipped.calculate(request);
      } finally {
        inFlight--;
      }
    },
  };

  beforeAll(async () => {
    t = await startTestLedger(
      kind,
      { clock: time.clock, tax },
      { LEDGER_BILLING_INTERVAL_MS: '20' },
    );
  });
  afterAll(() => t.close());

  it('never overlaps runs, and close() waits for the step in flight, then stops the run', async () => {
    const plan = await monthlyPlan(t, 'timer', 1000);
    for (const email of ['timer-1@example.com', 'timer-2@example.com']) {
      const customer = await createCustomer(t, { email });
      await subscribe(t, customer.id, plan.id);
    }
    expect(calls).toBe(0);

    // Both periods end: the next tick bills them, and holds in the first tax calculation.
    gate = new Promise<void>((resolve) => {
      open = () => {
        order.push('tax released');
        gate = null;
        resolve();
      };
    });
    time.set('2026-04-01T00:00:01.000Z');
    await entered;
    // Ten intervals pass while the run is held: a second run would bill the other subscription
    // (its row is not locked) and calculate tax beside the first.
    await sleep(200);
    expect(maxInFlight).toBe(1);
    expect(calls).toBe(1);

    const closed = t.close().then(() => order.push('closed'));
    await sleep(100);
    expect(order).toEqual(['tax entered']);
    open();
    await closed;
    expect(order).toEqual(['tax entered', 'tax released', 'closed']);
    // The step in hand committed before the database closed; the other subscription is left
    // for the next run (after a restart, or another process's).
    expect(calls).toBe(1);
    expect(maxInFlight).toBe(1);
  });
});
