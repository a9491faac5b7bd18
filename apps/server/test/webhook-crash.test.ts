import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments.js';
import { killChildren, serve } from './processes.js';
import { type Received, startReceiver, type TestReceiver } from './receivers.js';
import {
  attemptsOf,
  call,
  createEndpoint,
  everyPage,
  until,
  verifySigned,
} from './webhook-fleet.js';

/**
 * `kill -9` of a real server while webhook deliveries are in flight, then a restart on the same
 * database (PostgreSQL) or data directory (PGlite): every event is delivered at least once. A
 * killed attempt's row stays `pending` under its lease (timeout + 30 s), so the restarted server
 * sends it again once the lease ends, with the same `webhook-id` and the same body; it is then
 * settled once, so the attempts log ends with exactly one `succeeded` attempt per event. The
 * lease margin is fixed (no setting shortens it in a spawned process), so each case waits the
 * ~32 s lease of a 2 s timeout.
 */

const CUSTOMERS = 200;
const WRITERS = 4;
/** The receiver answers this many requests (each after 200 ms), then holds the rest until the kill. */
const ANSWERED_BEFORE_KILL = 40;
/** The kill comes once this many requests are held (in flight) and this many creates acknowledged. */
const HELD_AT_KILL = 10;
const ACKNOWLEDGED_AT_KILL = 100;
const TIMEOUT_MS = 2_000;
/** Lease (timeout + 30 s) + the 5 s first retry + slack for a loaded machine. */
const REDELIVERY_MS = 90_000;

type WireEvent = { id: string; customer_id: string };

/** The webhook-id of a request. */
const idOf = (request: Received) => String(request.headers['webhook-id']);

describe.each(testDatabaseKinds())(
  'webhooks: kill -9 mid-delivery on %s, then a restart',
  (kind) => {
    let root: string;
    let deployment: Deployment;
    let receiver: TestReceiver;
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'ledger-webhook-crash-'));
      deployment = await deploy(kind, root, 'ldg_sk_webhook-crash-dev-key-0123456789ab');
      receiver = await startReceiver();
    });
    afterAll(async () => {
      killChildren();
      await receiver?.close();
      await deployment?.drop();
      rmSync(root, { recursive: true, force: true });
    });

    it('delivers every event at least once: the killed attempts are sent again, same id and body', async () => {
      const env = { ...deployment.env, LEDGER_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS) };
      const served = await serve(env);
      const api = { url: served.url, key: deployment.key };
      const endpoint = await createEndpoint(api, receiver.url, ['customer.created']);

      let answered = 0;
      const held: Received[] = [];
      let releaseHeld = () => {};
      const killedAndGone = new Promise<void>((resolve) => {
        releaseHeld = resolve;
      });
      receiver.answer = async (request) => {
        if (answered < ANSWERED_BEFORE_KILL) {
          answered++;
          await sleep(200);
          return { status: 200 };
        }
        held.push(request);
        // Answered only once the sender is dead: to a connection nobody reads any more.
        await killedAndGone;
        return { status: 200 };
      };

      const acknowledged: string[] = [];
      let next = 0;
      let killed = false;
      const writers = Array.from({ length: WRITERS }, async () => {
        while (!killed && next < CUSTOMERS) {
          const i = next++;
          const created = await call<{ id: string }>(api, 'POST', '/ledger/customers', {
            name: `Hooked ${i}`,
            email: `hooked-${i}@example.com`,
            currency: 'USD',
          }).catch(() => null);
          if (created?.status === 201) acknowledged.push(created.body.id);
        }
      });
      await until(
        'deliveries are held in flight',
        () => held.length >= HELD_AT_KILL && acknowledged.length >= ACKNOWLEDGED_AT_KILL,
        30_000,
      );
      served.signal('SIGKILL');
      const exit = await served.exited;
      killed = true;
      await Promise.all(writers);
      expect(exit.signal).toBe('SIGKILL');
      const inFlightAtKill = held.map(idOf);
      releaseHeld();
      receiver.answer = () => ({ status: 200 });

      const again = await serve(env);
      try {
        const restarted = { url: again.url, key: deployment.key };
        const committed = await everyPage<WireEvent>(
          restarted,
          '/ledger/events?type=customer.created',
        );
        const committedCustomers = new Set(committed.map((event) => event.customer_id));
        expect(acknowledged.filter((id) => !committedCustomers.has(id))).toEqual([]);
        const owed = new Set(committed.map((event) => event.id));
        const receivedIds = () => new Set(receiver.received.map(idOf));
        await until(
          'every committed event is received',
          () => [...owed].every((id) => receivedIds().has(id)),
          REDELIVERY_MS,
        );
        // Settled once: one succeeded attempt per event, none left pending.
        let attempts = await attemptsOf(restarted, endpoint.id);
        await until(
          'the attempts log has settled',
          async () => {
            attempts = await attemptsOf(restarted, endpoint.id);
            return attempts.every((attempt) => attempt.status !== 'pending');
          },
          REDELIVERY_MS,
        );
        const succeeded = attempts.filter((attempt) => attempt.status === 'succeeded');
        expect(succeeded.map((attempt) => attempt.event_id).sort()).toEqual([...owed].sort());
        // A failed attempt (a timeout on a loaded machine) is followed by a retry; no other kind.
        for (const failed of attempts.filter((attempt) => attempt.status === 'failed')) {
          expect(failed.error, JSON.stringify(failed)).not.toBeNull();
        }

        // Every request is the event's own, signed (with the secret sealed before the restart).
        const byId = new Map<string, Received[]>();
        for (const request of receiver.received) {
          expect(owed.has(idOf(request)), idOf(request)).toBe(true);
          expect(request.event.id).toBe(idOf(request));
          verifySigned(endpoint.secret, request);
          byId.set(idOf(request), [...(byId.get(idOf(request)) ?? []), request]);
        }
        for (const copies of byId.values()) {
          expect(new Set(copies.map((copy) => copy.body)).size).toBe(1);
        }
        // What was in flight at the kill was sent again.
        for (const id of inFlightAtKill) expect(byId.get(id)?.length ?? 0).toBeGreaterThan(1);
        console.info(
          `webhooks kill -9 on ${kind}: ${acknowledged.length} creates acknowledged, ` +
            `${owed.size} events committed, ${inFlightAtKill.length} in flight at the kill, ` +
            `${receiver.received.length - byId.size} duplicate requests, ` +
            `${attempts.length - succeeded.length} failed attempts`,
        );
      } finally {
        await again.stop();
      }
    }, 180_000);
  },
);
