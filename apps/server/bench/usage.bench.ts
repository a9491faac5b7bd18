// `tsx --conditions=@ledger/source bench/usage.bench.ts`: usage at scale, on PostgreSQL
// (PGlite when DATABASE_URL is unset). Batch ingest (1,000-event batches from 4 clients: events/s,
// and SQL statements per batch counted on PostgreSQL), then, for a customer with
// BENCH_USAGE_EVENTS events this period and one with 10: current usage at c=1 (p50/p99) and
// entitlement checks at 8 connections (rps, p99) beside a single-row GET customer at 8.
// Figures, not assertions. The load comes from this process (fetch), which shares the CPU with
// the server: ratios in one run mean more than the absolute rates.
import type { DatabaseKind } from '@ledger/db/testing';
import { startBenchLedger } from './in-process.js';

const EVENTS = Number(process.env.BENCH_USAGE_EVENTS ?? 1_000_000);
const BATCH = 1000;
const INGEST_CLIENTS = 4;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function bench(kind: DatabaseKind) {
  const ledger = await startBenchLedger(kind);
  const { server, database } = ledger;
  try {
    const call = (method: string, path: string, body?: unknown) =>
      ledger.call(method, `/ledger${path}`, body);
    const plan = await call('POST', '/plans', {
      name: 'Metered',
      slug: 'metered',
      currency: 'USD',
      features: [
        { key: 'api_calls', name: 'API calls', type: 'metered', limit: 1e12, period: 'monthly' },
      ],
      pricing: { base_amount: 0, billing_period: 'monthly' },
    });
    const customer = async (name: string) => {
      const { id } = await call('POST', '/customers', {
        name,
        email: `${name}@example.com`,
        currency: 'USD',
      });
      await call('POST', '/subscriptions', { customer_id: id, plan_id: plan.id });
      return id;
    };
    const heavy = await customer('heavy');
    const light = await customer('light');
    let sequence = 0;
    const events = (customerId: string, n: number) =>
      Array.from({ length: n }, () => ({
        customer_id: customerId,
        feature_key: 'api_calls',
        quantity: 1,
        idempotency_key: `k-${++sequence}`,
      }));
    await call('POST', '/meter/events/batch', { events: events(light, 10) });

    // Statements of one request, counted by the driver (BEGIN and COMMIT included): its own, and
    // those of the request path (rate limit, API key) and of the event dispatcher it wakes.
    const client = (database.db as unknown as { $client?: { options?: Record<string, unknown> } })
      .$client;
    const counted = async (fn: () => Promise<unknown>) => {
      if (kind !== 'postgres' || !client?.options) return 'not counted (PostgreSQL only)';
      const seen: string[] = [];
      client.options.debug = (_connection: number, query: string) => {
        seen.push(query.replace(/\s+/g, ' ').trim());
      };
      await fn();
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.options.debug = false;
      if (process.env.BENCH_USAGE_SHOW_SQL)
        for (const q of seen) console.log(`  ${q.slice(0, 150)}`);
      const around = seen.filter((q) => /rate_limits|api_keys|"events"|webhook_deliveries/.test(q));
      return `${seen.length - around.length} (+ ${around.length} of the request path and dispatcher)`;
    };
    const batchStatements = await counted(() =>
      call('POST', '/meter/events/batch', { events: events(heavy, BATCH) }),
    );
    const checkStatements = await counted(() =>
      call('POST', '/entitlements/check', { customer_id: light, feature_key: 'api_calls' }),
    );
    console.log(
      `${kind}: SQL statements: a ${BATCH}-event batch ${batchStatements}; an entitlement check ${checkStatements}`,
    );

    // Sustained ingest up to EVENTS for the heavy customer.
    const batches = Math.ceil(EVENTS / BATCH) - 1;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: INGEST_CLIENTS }, async () => {
        while (next < batches) {
          next++;
          await call('POST', '/meter/events/batch', { events: events(heavy, BATCH) });
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;
    const rate = Math.round((batches * BATCH) / ingestSeconds);
    console.log(
      `${kind}: ingest ${rate} events/s (${batches} batches of ${BATCH}, ${INGEST_CLIENTS} clients, ${ingestSeconds.toFixed(1)} s)`,
    );

    const latencies = async (n: number, fn: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await fn();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return `p50 ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms`;
    };
    const load = async (seconds: number, connections: number, fn: () => Promise<unknown>) => {
      const times: number[] = [];
      const end = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < end) {
            const t0 = performance.now();
            await fn();
            times.push(performance.now() - t0);
          }
        }),
      );
      times.sort((a, b) => a - b);
      return {
        rps: Math.round(times.length / seconds),
        p99: quantile(times, 0.99).toFixed(2),
      };
    };
    for (const [label, id] of [
      [`${EVENTS} events`, heavy],
      ['10 events', light],
    ] as const) {
      await latencies(20, () => call('GET', `/customers/${id}/usage`));
      console.log(
        `${kind}: current usage, ${label}, c=1: ${await latencies(200, () => call('GET', `/customers/${id}/usage`))}`,
      );
      const check = () =>
        call('POST', '/entitlements/check', { customer_id: id, feature_key: 'api_calls' });
      await load(1, 8, check);
      const checks = await load(5, 8, check);
      const gets = await load(5, 8, () => call('GET', `/customers/${id}`));
      console.log(
        `${kind}: ${label}, 8 connections: entitlement check ${checks.rps} rps (p99 ${checks.p99} ms), GET customer ${gets.rps} rps (p99 ${gets.p99} ms), ratio ${(checks.rps / gets.rps).toFixed(2)}`,
      );
    }
  } finally {
    await server.close();
  }
}

const kinds: DatabaseKind[] = process.env.DATABASE_URL ? ['postgres'] : ['pglite'];
for (const kind of kinds) await bench(kind);
