import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, deploy, storedIds } from './deployments.js';
import { type Exit, killChildren, type Served, serve } from './processes.js';
import {
  backToBack,
  freshConnections,
  keepAliveAgent,
  type Outcome,
  send,
  type Target,
} from './traffic.js';

/** Requests in flight at the signal (most on keep-alive connections the server accepted before). */
const BURST = 100;
/** Clients that send their next request the moment the previous one is answered. */
const RACERS = 4;

const customer = (name: string) => ({
  method: 'POST',
  path: '/ledger/customers',
  body: { name, email: `${name}@example.com`, currency: 'USD' },
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await sleep(5);
  }
}

/** The ids of the customers that `outcomes` created (201 answers). */
function createdIds(outcomes: Outcome[]): string[] {
  return outcomes.flatMap((o) =>
    o.answered && o.status === 201 ? [(JSON.parse(o.body) as { id: string }).id] : [],
  );
}

/**
 * A client that sends a request's headers with a `Content-Length` and then only part of the
 * body, and stalls: its request is in flight until the server gives up on it.
 */
async function stallMidBody(served: Served, key: string): Promise<Socket> {
  const { hostname, port } = new URL(served.url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    'POST /ledger/customers HTTP/1.1\r\n' +
      `Host: ${hostname}:${port}\r\n` +
      `Authorization: Bearer ${key}\r\n` +
      'Content-Type: application/json\r\n' +
      'Content-Length: 200\r\n\r\n{"name":"slo',
  );
  // Time for the server to read the headers and start the request.
  await sleep(300);
  return socket;
}

async function stopWithin(served: Served, ms: number): Promise<{ exit: Exit; ms: number }> {
  const start = performance.now();
  served.signal('SIGTERM');
  const exit = await served.exited;
  const took = performance.now() - start;
  expect(took, `${exit.stdout}\n${exit.stderr}`).toBeLessThan(ms);
  return { exit, ms: took };
}

describe.each(testDatabaseKinds())('ledger serve on %s, stopped by a signal', (kind) => {
  let root: string;
  let deployment: Deployment;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ledger-shutdown-'));
    deployment = await deploy(kind, root, 'ldg_sk_shutdown-test-dev-key-0123456789');
  });

  afterAll(async () => {
    killChildren();
    await deployment?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers every request in flight at SIGTERM, resets none, exits 0 and keeps every write', async () => {
    // The billing job runs often, so a run may be in progress when the signal comes.
    const served = await serve({ ...deployment.env, LEDGER_BILLING_INTERVAL_MS: '20' });
    const target: Target = { url: served.url, key: deployment.key };
    const agent = keepAliveAgent(BURST);
    // Opens BURST keep-alive connections, answered and idle: the server has accepted them all.
    const warm = await Promise.all(
      Array.from({ length: BURST }, () => send(agent, target, 'GET', '/ledger/customers').outcome),
    );
    expect(warm.map((o) => o.answered && o.status)).toEqual(Array(BURST).fill(200));
    let n = 0;
    const racers = Array.from({ length: RACERS }, () =>
      backToBack(target, () => customer(`racer-${n++}`)),
    );
    await until(() => racers.every((r) => r.outcomes.length > 0));

    // Some writes send the rest of their body only after the signal: they are being worked on
    // when the server starts to stop, whatever else it is busy with then. Some come on new
    // connections, which may still wait in the listen queue when the signal comes.
    let release = () => {};
    const afterSignal = new Promise<void>((resolve) => {
      release = resolve;
    });
    const kinds = ['held', 'write', 'read', 'fresh', 'write'] as const;
    const kindOf = (i: number) => kinds[i % kinds.length];
    const fresh = freshConnections();
    const burst = Array.from({ length: BURST }, (_, i) =>
      kindOf(i) === 'read'
        ? send(agent, target, 'GET', '/ledger/customers?limit=100')
        : send(
            kindOf(i) === 'fresh' ? fresh : agent,
            target,
            'POST',
            '/ledger/customers',
            customer(`burst-${i}`).body,
            kindOf(i) === 'held' ? afterSignal : undefined,
          ),
    );
    await Promise.all(burst.map((s) => s.written));
    const inFlight = burst.filter((s) => !s.settled()).length;
    const start = performance.now();
    served.signal('SIGTERM');
    // The held bodies go on only once the server says it is stopping: under load (PGlite runs
    // its queries on the event loop) the signal may be read hundreds of ms after it was sent,
    // and a request finished before that is rightly answered keep-alive.
    await until(() => served.stdout().includes('SIGTERM: '));
    setTimeout(release, 50);
    const exit = await served.exited;
    const ms = performance.now() - start;
    const answers = await Promise.all(burst.map((s) => s.outcome));
    await Promise.all(racers.map((r) => r.done));
    agent.destroy();
    fresh.destroy();

    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stdout).toMatch(/SIGTERM: /);
    expect(exit.stdout.trimEnd().endsWith('Ledger stopped.')).toBe(true);
    expect(ms).toBeLessThan(10_000);
    // The signal came with requests unanswered (the held ones at least).
    expect(inFlight).toBeGreaterThanOrEqual(BURST / kinds.length);
    // Each with its own answer; those answered after the server began to stop (all the held
    // ones) tell the client not to reuse the connection.
    expect(answers.map((o) => o.reused)).toEqual(burst.map((_, i) => kindOf(i) !== 'fresh'));
    expect(answers.map((o) => (o.answered ? o.status : o.error))).toEqual(
      burst.map((_, i) => (kindOf(i) === 'read' ? 200 : 201)),
    );
    const held = answers.filter((_, i) => kindOf(i) === 'held');
    expect(held.map((o) => o.answered && o.connection)).toEqual(held.map(() => 'close'));
    const whileStopping = answers.filter((o) => o.answered && o.connection === 'close').length;
    // A back-to-back client gets an answer to every request it sends on its open connection,
    // the last one with `Connection: close`.
    for (const { outcomes } of racers) {
      expect(outcomes.map((o) => o.answered && o.status)).toEqual(outcomes.map(() => 201));
      expect(outcomes.at(-1)).toMatchObject({ connection: 'close' });
    }
    console.info(
      `[shutdown ${kind}] ${inFlight} of ${BURST} requests unanswered at SIGTERM, all answered ` +
        `(${whileStopping} after the server began to stop); ` +
        `racers answered ${racers.map((r) => r.outcomes.length).join('/')}; exit 0 after ${Math.round(ms)} ms`,
    );

    const written = [...createdIds(answers), ...racers.flatMap((r) => createdIds(r.outcomes))];
    const again = await serve(deployment.env);
    try {
      expect((await storedIds(again, deployment.key)).sort()).toEqual(written.sort());
    } finally {
      expect((await again.stop()).code).toBe(0);
    }
  });

  it('gives a client that stalls mid-body LEDGER_SHUTDOWN_TIMEOUT_MS, then closes it and exits 0', async () => {
    const served = await serve({ ...deployment.env, LEDGER_SHUTDOWN_TIMEOUT_MS: '1500' });
    const stalled = await stallMidBody(served, deployment.key);
    const closed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    const { exit, ms } = await stopWithin(served, 1500 + 5000);
    expect(exit.code, exit.stderr).toBe(0);
    // It waited for the request, up to the timeout, and no longer.
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(exit.stdout).toMatch(/1 connection still open after 1500 ms was closed/);
    expect(exit.stdout.trimEnd().endsWith('Ledger stopped.')).toBe(true);
    await closed;
  });

  it('exits at once on a second signal', async () => {
    const served = await serve({ ...deployment.env, LEDGER_SHUTDOWN_TIMEOUT_MS: '60000' });
    const stalled = await stallMidBody(served, deployment.key);
    served.signal('SIGTERM');
    await until(() => served.stdout().includes('SIGTERM: '));
    const start = performance.now();
    served.signal('SIGINT');
    const exit = await served.exited;
    expect(performance.now() - start).toBeLessThan(2000);
    expect(exit.code).toBe(130);
    expect(exit.stderr).toMatch(/SIGINT again: exiting without waiting/);
    stalled.destroy();
  });
});
