import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments.js';
import { killChildren, type Served, serve } from './processes.js';
import { type Received, startReceiver, type TestReceiver } from './receivers.js';
import {
  type Api,
  attemptsOf,
  call,
  connectionOwner,
  createEndpoint,
  everyPage,
  until,
  verifySigned,
} from './webhook-fleet.js';

/**
 * Two real `ledger serve` processes on one PostgreSQL deliver to one receiver: their claims
 * (`FOR UPDATE SKIP LOCKED`, leases, claim tokens) hand each attempt to one process, so in the
 * normal case every event arrives exactly once (a failed attempt, which a loaded machine can
 * cause, is retried and then its event alone may arrive twice), and a customer's events arrive in
 * `sequence` order whichever process sends them. Which process sent a request is read off the connection
 * it came on (Linux /proc), so the test also sees that both of them delivered.
 */

const CUSTOMERS = 10;
/** Events per customer: its creation, then updates. */
const EVENTS_EACH = 20;
const TOTAL = CUSTOMERS * EVENTS_EACH;

type WireEvent = { id: string; customer_id: string; sequence: number };

const onPostgres = testDatabaseKinds().includes('postgres');

describe.runIf(onPostgres && process.platform === 'linux')(
  'webhooks: two processes on one PostgreSQL',
  () => {
    let root: string;
    let deployment: Deployment;
    let receiver: TestReceiver;
    let servers: Served[] = [];
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'ledger-webhook-processes-'));
      deployment = await deploy('postgres', root, 'unused-on-postgres');
      receiver = await startReceiver();
      servers = await Promise.all([serve(deployment.env), serve(deployment.env)]);
    });
    afterAll(async () => {
      await Promise.allSettled(servers.map((served) => served.stop()));
      killChildren();
      await receiver?.close();
      await deployment?.drop();
      rmSync(root, { recursive: true, force: true });
    });

    it('deliver each event once, every customer in sequence order, and both deliver', async () => {
      const apis: Api[] = servers.map((served) => ({ url: served.url, key: deployment.key }));
      const [first, second] = apis as [Api, Api];
      const pids = servers.map((served) => served.pid);
      const peerPort = Number(new URL(receiver.url).port);
      const sentBy = new Map<Received, number | null>();
      receiver.answer = (request) => {
        sentBy.set(request, connectionOwner(request.remotePort, peerPort, pids));
        return { status: 200 };
      };
      const endpoint = await createEndpoint(first, receiver.url, ['customer.*']);

      // Each customer's writes alternate between the processes; the customers go in parallel.
      const customers = await Promise.all(
        Array.from({ length: CUSTOMERS }, async (_, c) => {
          const created = await call<{ id: string }>(
            c % 2 === 0 ? first : second,
            'POST',
            '/ledger/customers',
            { name: `Fleet ${c}`, email: `fleet-${c}@example.com`, currency: 'USD' },
          );
          expect(created.status, created.text).toBe(201);
          const id = created.body.id;
          for (let step = 1; step < EVENTS_EACH; step++) {
            const api = (c + step) % 2 === 0 ? first : second;
            const updated = await call(api, 'PUT', `/ledger/customers/${id}`, {
              metadata: { step: String(step) },
            });
            expect(updated.status, updated.text).toBe(200);
          }
          return id;
        }),
      );

      const events = await everyPage<WireEvent>(first, '/ledger/events?type=customer.*');
      expect(events).toHaveLength(TOTAL);
      await receiver.waitFor(TOTAL, 60_000);
      const owed = new Set(events.map((event) => event.id));
      let attempts = await attemptsOf(first, endpoint.id);
      await until(
        'every event has a succeeded attempt and none is pending',
        async () => {
          attempts = await attemptsOf(first, endpoint.id);
          const succeeded = attempts.filter((attempt) => attempt.status === 'succeeded');
          return (
            succeeded.length === TOTAL && attempts.every((attempt) => attempt.status !== 'pending')
          );
        },
        60_000,
      );
      // The normal case has no failed attempt. One can still happen on a loaded machine (a
      // timeout, a keep-alive connection the receiver closed as it was reused); it is retried,
      // and only its event may then arrive twice.
      const failed = attempts.filter((attempt) => attempt.status === 'failed');
      if (failed.length > 0) console.warn('failed attempts', JSON.stringify(failed));
      const retried = new Set(failed.map((attempt) => attempt.event_id));

      // Once each: settled attempts are never sent again, so the receiver has all it will get.
      const ids = receiver.received.map((request) => String(request.headers['webhook-id']));
      expect(new Set(ids)).toEqual(owed);
      const twice = ids.filter((id, index) => ids.indexOf(id) !== index);
      expect(twice.filter((id) => !retried.has(id))).toEqual([]);
      expect(ids.length).toBe(TOTAL + twice.length);
      for (const request of receiver.received) verifySigned(endpoint.secret, request);

      // In order per customer: each one's sequences arrive increasing (strictly, but for a
      // retried event's second copy, which still comes before the customer's next event).
      for (const customer of customers) {
        const arrived = receiver.received.filter(
          (request) => request.event.customer_id === customer,
        );
        const stored = events
          .filter((event) => event.customer_id === customer)
          .map((event) => event.sequence)
          .sort((a, b) => a - b);
        expect(stored).toHaveLength(EVENTS_EACH);
        const firsts = arrived.filter(
          (request, index) => arrived.findIndex((r) => r.event.id === request.event.id) === index,
        );
        expect(firsts.map((request) => request.event.sequence)).toEqual(stored);
        for (const [index, request] of arrived.entries()) {
          const previous = arrived[index - 1];
          if (!previous) continue;
          if (previous.event.id === request.event.id)
            expect(retried.has(request.event.id)).toBe(true);
          else expect(request.event.sequence).toBeGreaterThan(previous.event.sequence);
        }
      }

      // Both processes delivered (and every request came from one of them).
      const counts = pids.map(
        (pid) => [...sentBy.values()].filter((owner) => owner === pid).length,
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(receiver.received.length);
      for (const count of counts) expect(count).toBeGreaterThan(0);
      console.info(`webhooks over two processes: ${counts.join(' + ')} deliveries`);
    }, 120_000);
  },
);
