// `pnpm bench`: the billing portal's overview page (`GET /portal`) under load, beside the API's
// own single-object read (`GET /ledger/customers/{id}`) at the same concurrency in the same run,
// on PGlite and (when DATABASE_URL is set) PostgreSQL. Figures, not assertions: tests never time.
import type { DatabaseKind } from '@ledger/db/testing';
import { startBenchLedger } from './in-process.js';
import { type Figures, measure } from './measure.js';

const REQUESTS = Number(process.env.BENCH_PORTAL_REQUESTS ?? 2000);
const CUSTOMERS = Number(process.env.BENCH_PORTAL_CUSTOMERS ?? 50);
const CONCURRENCIES = [1, 16];

/** Fails the run on an unexpected status: a figure of error pages would be no figure. */
async function expectStatus(res: Response, status: number, what: string): Promise<Response> {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return res;
}

async function bench(kind: DatabaseKind) {
  const { server, call: callJson } = await startBenchLedger(kind);
  const call = (method: string, path: string, body?: unknown) =>
    callJson<{ id: string; url: string }>(method, path, body);
  const rows: { concurrency: number; portal: Figures; api: Figures }[] = [];
  try {
    const plan = await call('POST', '/ledger/plans', {
      name: 'Bench',
      slug: 'bench',
      currency: 'USD',
      features: [],
      pricing: { base_amount: 1000, billing_period: 'monthly' },
    });
    const ids: string[] = [];
    const cookies: string[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const { id } = await call('POST', '/ledger/customers', {
        name: `Bench ${i}`,
        email: `b${i}@bench.example`,
        currency: 'USD',
      });
      await call('POST', `/ledger/customers/${id}/payment-methods`, {
        token: 'tok_visa',
        make_default: true,
      });
      await call('POST', '/ledger/subscriptions', { customer_id: id, plan_id: plan.id });
      const { url } = await call('POST', `/ledger/customers/${id}/portal`, {
        return_url: 'https://app.example.com/account',
      });
      const opened = await expectStatus(
        await fetch(url, { redirect: 'manual' }),
        303,
        'opening the portal link',
      );
      const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      if (!cookie.startsWith('ledger_portal=')) throw new Error(`no portal cookie: ${cookie}`);
      ids.push(id);
      cookies.push(cookie);
    }
    const overview = async (i: number) => {
      const res = await fetch(`${server.url}/portal`, {
        headers: { cookie: cookies[i % CUSTOMERS] ?? '' },
        redirect: 'manual',
      });
      await (await expectStatus(res, 200, 'GET /portal')).text();
    };
    const read = async (i: number) => {
      await call('GET', `/ledger/customers/${ids[i % CUSTOMERS]}`);
    };
    // Warm both paths (JIT, connection pools, prepared statements) before timing either.
    await measure(CUSTOMERS * 2, 4, overview);
    await measure(CUSTOMERS * 2, 4, read);
    for (const concurrency of CONCURRENCIES) {
      const portal = await measure(REQUESTS, concurrency, overview);
      const api = await measure(REQUESTS, concurrency, read);
      rows.push({ concurrency, portal, api });
    }
  } finally {
    await server.close();
  }
  return rows;
}

const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
const kinds: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
for (const kind of kinds) {
  const rows = await bench(kind);
  console.log(
    `\n${kind}: portal overview (GET /portal) vs the API's read (GET /ledger/customers/{id}), ${REQUESTS} requests over ${CUSTOMERS} customers each with a card and a subscription`,
  );
  console.log(
    `  ${'conc'.padEnd(5)}${'portal rps'.padStart(11)}${'p50'.padStart(11)}${'p99'.padStart(11)}  |${'api rps'.padStart(9)}${'p50'.padStart(11)}${'p99'.padStart(11)}  | p50 ×  p99 ×`,
  );
  for (const { concurrency, portal, api } of rows) {
    console.log(
      `  ${String(concurrency).padEnd(5)}${portal.rps.toFixed(0).padStart(9)}/s${ms(portal.p50).padStart(11)}${ms(portal.p99).padStart(11)}  |${api.rps.toFixed(0).padStart(7)}/s${ms(api.p50).padStart(11)}${ms(api.p99).padStart(11)}  | ${(portal.p50 / api.p50).toFixed(2).padStart(5)} ${(portal.p99 / api.p99).toFixed(2).padStart(5)}`,
    );
  }
}
