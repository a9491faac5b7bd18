// `pnpm bench`: request throughput and latency of the customer and billing paths over real HTTP,
// on PGlite and (when DATABASE_URL is set) PostgreSQL. Figures, not assertions: tests never time.
import type { DatabaseKind } from '@ledger/db/testing';
import { startBenchLedger } from './in-process.js';
import { type Figures as Measured, measure as measureCalls } from './measure.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

/** One path's figures, named for the table. */
interface Figures extends Measured {
  name: string;
}

/** {@link measureCalls} with the path's name. */
async function measure(
  name: string,
  count: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<Figures> {
  return { name, ...(await measureCalls(count, concurrency, op)) };
}

async function bench(kind: DatabaseKind): Promise<Figures[]> {
  const { server, call } = await startBenchLedger(kind);
  const ids: string[] = [];
  const results: Figures[] = [];
  try {
    results.push(
      await measure('POST /ledger/customers', REQUESTS, CONCURRENCY, async (i) => {
        ids[i] = (
          await call('POST', '/ledger/customers', {
            name: `Bench ${i}`,
            email: `b${i}@bench.example`,
            currency: 'USD',
          })
        ).id;
      }),
    );
    results.push(
      await measure(
        'GET /ledger/customers/{id}',
        REQUESTS,
        CONCURRENCY,
        async (i) => void (await call('GET', `/ledger/customers/${ids[i]}`)),
      ),
    );
    results.push(
      await measure(
        'GET /ledger/customers?limit=20',
        REQUESTS,
        CONCURRENCY,
        async () => void (await call('GET', '/ledger/customers?limit=20')),
      ),
    );
    results.push(
      await measure('POST …/credit (one customer, contended)', REQUESTS, CONCURRENCY, async () => {
        await call('POST', `/ledger/customers/${ids[0]}/credit`, {
          amount: { amount: 100, currency: 'USD' },
          reason: 'bench',
        });
      }),
    );
    const plan = await call('POST', '/ledger/plans', {
      name: 'Bench',
      slug: 'bench',
      currency: 'USD',
      features: [{ key: 'calls', name: 'Calls', type: 'metered' }],
      pricing: {
        base_amount: 1000,
        billing_period: 'monthly',
        tiers: [{ feature_key: 'calls', type: 'volume', up_to: -1, unit_amount: 1 }],
      },
    });
    const subs = Math.min(REQUESTS, 100);
    for (let i = 0; i < subs; i++)
      await call('POST', '/ledger/subscriptions', { customer_id: ids[i], plan_id: plan.id });
    results.push(
      await measure('POST /ledger/meter/events', REQUESTS, CONCURRENCY, async (i) => {
        await call('POST', '/ledger/meter/events', {
          customer_id: ids[i % subs],
          feature_key: 'calls',
          quantity: 3,
          idempotency_key: `u${i}`,
        });
      }),
    );
    const t0 = performance.now();
    const report = await server.ledger.billing.runDue(new Date(Date.now() + 32 * 86_400_000));
    const seconds = (performance.now() - t0) / 1000;
    results.push({
      name: `runDue: ${report.periodsBilled} periods billed`,
      rps: report.periodsBilled / seconds,
      p50: 0,
      p99: 0,
    });
  } finally {
    await server.close();
  }
  return results;
}

const kinds: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
for (const kind of kinds) {
  const figures = await bench(kind);
  console.log(`\n${kind} (${REQUESTS} requests, concurrency ${CONCURRENCY})`);
  for (const f of figures) {
    console.log(
      `  ${f.name.padEnd(44)} ${f.rps.toFixed(0).padStart(7)}/s  p50 ${f.p50.toFixed(1).padStart(6)} ms  p99 ${f.p99.toFixed(1).padStart(6)} ms`,
    );
  }
}
