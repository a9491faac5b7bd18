// `pnpm bench`: outbound webhook delivery on PostgreSQL, to a real local receiver: the worker's
// deliveries per second against the receiver's own ceiling, and commit-to-first-attempt latency
// idle, under a write load, and from another process. Figures, not assertions: tests never time.
import { type Database, openDatabase } from '@ledger/db';
import { createTestDatabase } from '@ledger/db/testing';
import {
  type Customer,
  createCustomer,
  issueApiKey,
  type LedgerEvent,
  type Scope,
  type ServiceContext,
  systemClock,
} from '@ledger/domain';
import { composeLedger, type Ledger } from '../src/compose.js';
import { type Config, loadConfig } from '../src/env.js';
import { startServer } from '../src/server.js';
import { bareClientRate, senderRate } from './webhook-baselines.js';
import { type Call, type Percentiles, probeLatencies, startWriteLoad } from './webhook-latency.js';
import { startBenchReceiver } from './webhook-receiver.js';

const CUSTOMERS = Number(process.env.BENCH_WEBHOOK_CUSTOMERS ?? 2000);
const EVENTS_EACH = Number(process.env.BENCH_WEBHOOK_EVENTS_PER_CUSTOMER ?? 10);
const SAMPLES = Number(process.env.BENCH_WEBHOOK_SAMPLES ?? 200);
const WRITERS = Number(process.env.BENCH_WEBHOOK_WRITERS ?? 8);
const SCOPE: Scope = { tenantId: 'bench', appId: 'app' };

/** The bench servers' configuration; `LEDGER_*` from the environment (e.g. the concurrency) win. */
function benchConfig(): Config {
  const fromEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[0].startsWith('LEDGER_') && entry[1] !== undefined,
    ),
  );
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LEDGER_BILLING_INTERVAL_MS: '0',
    LEDGER_LOG_LEVEL: 'warn',
    LEDGER_SECRET_KEY: 'bench-only-key-sealing-webhook-secrets-0123456789',
    LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
    LEDGER_RATE_LIMIT_READS: '1000000',
    LEDGER_RATE_LIMIT_WRITES: '1000000',
    LEDGER_RATE_LIMIT_INGEST: '1000000',
    ...fromEnv,
  });
}

/** Runs `op(i)` for i < count with `concurrency` in flight. */
async function inParallel(count: number, concurrency: number, op: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await op(i);
    }),
  );
}

/**
 * Queues CUSTOMERS × EVENTS_EACH deliveries with the worker stopped: the customers through the
 * domain's create (one `customer.created` each), then the rest of their events appended through
 * the store in big transactions (as the domain records one: the customer's next sequence, then
 * the event, which queues its deliveries), so what is timed afterwards is delivery alone.
 */
async function queueDeliveries(ledger: Ledger): Promise<number> {
  const started = performance.now();
  const ctx: ServiceContext = { ...ledger.deps, scope: SCOPE };
  const customers: Customer[] = [];
  await inParallel(CUSTOMERS, 8, async (i) => {
    customers[i] = await createCustomer(ctx, {
      name: `Bench ${i}`,
      email: `b${i}@bench.example`,
      currency: 'USD',
    });
  });
  const perBatch = 100;
  await inParallel(Math.ceil(CUSTOMERS / perBatch), 4, async (b) => {
    await ledger.deps.store.transaction(async (tx) => {
      for (const customer of customers.slice(b * perBatch, (b + 1) * perBatch)) {
        const object = JSON.parse(JSON.stringify(customer)) as unknown;
        for (let e = 1; e < EVENTS_EACH; e++) {
          const event: LedgerEvent = {
            id: ctx.ids.newId('event'),
            type: 'customer.updated',
            tenantId: SCOPE.tenantId,
            appId: SCOPE.appId,
            customerId: customer.id,
            sequence: await tx.nextEventSequence(SCOPE, customer.id),
            createdAt: ctx.clock.now(),
            data: { object },
          };
          await tx.appendEvent(event);
        }
      }
    });
  });
  console.log(`  (queued in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return CUSTOMERS * EVENTS_EACH;
}

/** The deliveries by status (pending, succeeded, failed). */
async function statusCounts(database: Database): Promise<Record<string, number>> {
  const result = await database.db.execute(
    'select status, count(*)::int as n from webhook_deliveries group by status',
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
    status: string;
    n: number;
  }>;
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** Starts the worker and times it until no delivery is pending; deliveries settled per second. */
async function timeDelivery(ledger: Ledger, database: Database, queued: number) {
  const started = performance.now();
  ledger.webhooks.start();
  for (;;) {
    const counts = await statusCounts(database);
    const settled = (counts.succeeded ?? 0) + (counts.failed ?? 0);
    if ((counts.pending ?? 0) === 0 && settled >= queued) {
      return { rate: settled / ((performance.now() - started) / 1000), counts };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const rateText = (n: number) => `${n.toFixed(0).padStart(7)}/s`;
const msText = (n: number) => `${n.toFixed(1).padStart(6)} ms`;
const latencyLine = (name: string, f: { fromResponse: Percentiles; fromRequest: Percentiles }) =>
  `    ${name.padEnd(40)} p50 ${msText(f.fromResponse.p50)}  p99 ${msText(f.fromResponse.p99)}   target p99 < 1 s   (from the request: p50 ${msText(f.fromRequest.p50)}  p99 ${msText(f.fromRequest.p99)})`;

async function bench(): Promise<void> {
  const config = benchConfig();
  const database = await createTestDatabase('postgres');
  const receiver = await startBenchReceiver();
  const server = await startServer(config, { database });
  const { ledger } = server;
  let second: Ledger | null = null;
  try {
    const { secret } = await issueApiKey(ledger.deps.platform, systemClock, SCOPE);
    const headers = { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' };
    const call: Call = async (method, path, body) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (res.status >= 400)
        throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: string };
    };
    await call('POST', '/ledger/webhook-endpoints', {
      url: receiver.url,
      enabled_events: ['*'],
    });

    // 1. Throughput: everything queued first, then the worker alone against the receiver.
    await Promise.all([ledger.webhooks.stop(), ledger.events.stop()]);
    const queued = await queueDeliveries(ledger);
    // What autovacuum does after such a burst (the bench server may run without it): the
    // claims' plans are made with statistics that know the backlog.
    await database.db.execute('ANALYZE');
    // The in-process handlers' outbox goes first, so it is not timed with the webhooks.
    ledger.events.start();
    await ledger.events.drain();
    const worker = await timeDelivery(ledger, database, queued);
    const received = receiver.count();
    const sample = receiver.sample();
    if (!sample) throw new Error('the receiver got nothing');
    const concurrency = config.LEDGER_WEBHOOK_CONCURRENCY;
    const ceiling = await bareClientRate(receiver.url, sample, queued, concurrency);
    const senderOnly = await senderRate(receiver.url, sample, queued, concurrency);
    console.log(
      `\npostgres webhooks: ${queued} deliveries (${CUSTOMERS} customers × ${EVENTS_EACH} events), LEDGER_WEBHOOK_CONCURRENCY ${concurrency}`,
    );
    console.log(
      `    ${'receiver ceiling (plain keep-alive client)'.padEnd(44)} ${rateText(ceiling)}`,
    );
    console.log(
      `    ${"Ledger's sender alone (no database)".padEnd(44)} ${rateText(senderOnly)}   ${(senderOnly / ceiling).toFixed(2)}× the ceiling`,
    );
    console.log(
      `    ${'worker: claim, send, settle'.padEnd(44)} ${rateText(worker.rate)}   ${(worker.rate / ceiling).toFixed(2)}× the ceiling   target ≥ 1,000/s   (${worker.counts.succeeded ?? 0} succeeded, ${worker.counts.failed ?? 0} failed, ${received} requests received)`,
    );

    // 2. Commit to first attempt, one probe at a time.
    console.log(`  commit → first attempt (${SAMPLES} probes, from the POST's response)`);
    console.log(latencyLine('idle', await probeLatencies(call, receiver, 'idle', SAMPLES)));
    const load = startWriteLoad(call, WRITERS);
    const loaded = await probeLatencies(call, receiver, 'load', SAMPLES);
    const writesPerSecond = await load.stop();
    await ledger.webhooks.drain();
    console.log(
      latencyLine(
        `under load (${WRITERS} writers, ${writesPerSecond.toFixed(0)} writes/s)`,
        loaded,
      ),
    );
    // (c) Another process delivers (its own pool; it hears of commits only by polling).
    if (!database.url) throw new Error('the bench database has no URL');
    await ledger.webhooks.stop();
    second = await composeLedger(config, {
      database: await openDatabase({ url: database.url, poolSize: 10 }),
    });
    console.log(
      latencyLine(
        'another process delivers (poll)',
        await probeLatencies(call, receiver, 'other', SAMPLES),
      ),
    );
  } finally {
    await second?.close();
    await server.close();
    await receiver.close();
  }
}

if (process.env.DATABASE_URL) await bench();
else console.log('\nwebhooks bench skipped: it runs on PostgreSQL (set DATABASE_URL)');
