// `pnpm bench`: Ledger against the ceiling (issue 13), in the same run. Each figure is measured on
// a Ledger server process and on a bare Hono + postgres.js (or PGlite) server doing the same
// single-row SQL on Ledger's own tables, alternately for BENCH_ROUNDS rounds, load from
// autocannon in this process; the medians print as a markdown table. Figures, not assertions.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchPostgres } from '@ledger/db/testing';
import postgres from 'postgres';
import { type Child, startChild, undoAll, whenDone } from './child.js';
import { embeddedStarts } from './embedded-start.js';
import { cpuMicros, type LoadResult, type LoadSpec, load, median } from './load.js';
import { measure } from './measure.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_ROUNDS', 3);
const SECONDS = env('BENCH_SECONDS', 3);
const USAGE_EVENTS = {
  postgres: env('BENCH_USAGE_EVENTS', 1_000_000),
  pglite: env('BENCH_USAGE_EVENTS_PGLITE', 100_000),
};
const DRAIN_SECONDS = env('BENCH_DRAIN_SECONDS', 60);
/**
 * Credits of the contended-credits load: enough for several seconds at the group-committed rate
 * (autocannon notices that a fixed number of requests is done on its once-a-second tick, so a
 * load of about a second reads as about that rate, whatever it was).
 */
const CREDITS = 5000;

type Kind = 'postgres' | 'pglite';
/** One line of the table. */
type Row = [figure: string, ledger: string, ceiling: string, ratio: string, goal: string];

const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(1) : n0(n));
const ratio = (a: number, b: number) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
const rpsP99 = (r: LoadResult) => `${n0(r.rps)} rps, p99 ${ms(r.p99)} ms`;
/** The median of each figure over rounds. */
const mid = (results: LoadResult[]): LoadResult => ({
  rps: median(results.map((r) => r.rps)),
  p50: median(results.map((r) => r.p50)),
  p99: median(results.map((r) => r.p99)),
  ok: median(results.map((r) => r.ok)),
  failed: Math.max(0, ...results.map((r) => r.failed)),
});

/** A server under test and how to load it. */
interface Target {
  child: Child;
  spec(method: 'GET' | 'POST', shot: LoadSpec['shot'], connections: number): LoadSpec;
  sql<T = Record<string, unknown>>(text: string): Promise<T[]>;
}

/**
 * `child` as a load target. Its SQL (seeding, checks, the outbox backlog) goes through `admin`
 * when there is one (PostgreSQL), so the child's statement count is only what its requests send.
 */
function target(child: Child, admin: postgres.Sql | null): Target {
  const headers = {
    authorization: `Bearer ${child.ready.secret}`,
    'content-type': 'application/json',
  };
  return {
    child,
    spec: (method, shot, connections) => ({
      url: child.ready.url,
      method,
      headers,
      shot,
      connections,
      seconds: SECONDS,
    }),
    sql: async <T>(text: string) =>
      admin ? ([...(await admin.unsafe(text))] as T[]) : child.ask<T[]>('sql', text),
  };
}

/** A JSON call to a server, failing on an error status. */
async function call<T>(
  t: Target,
  method: string,
  path: string,
  body?: unknown,
  extra?: Record<string, string>,
) {
  const res = await fetch(`${t.child.ready.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${t.child.ready.secret}`,
      'content-type': 'application/json',
      ...extra,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Events Ledger has not delivered yet: its outbox backlog. */
const backlog = async (t: Target) =>
  Number(
    (
      await t.sql<{ n: string }>(
        'SELECT count(*) AS n FROM events WHERE delivered_at IS NULL AND dead_at IS NULL',
      )
    )[0]?.n,
  );

/** Waits (at most BENCH_DRAIN_SECONDS) until the outbox is empty; the seconds it took, or null. */
async function drain(t: Target): Promise<number | null> {
  const started = performance.now();
  while ((await backlog(t)) > 0) {
    if (performance.now() - started > DRAIN_SECONDS * 1000) return null;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return (performance.now() - started) / 1000;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SQL statements per request, counted by the server process's hook: those sent before the answer
 * arrived (the request path, and whatever the event dispatcher sent meanwhile) (the median of 10 requests one after another, so a background poll rarely falls in
 * one), and those sent after it until the outbox is empty again (the event dispatcher), less what
 * the process sends idle (its pollers) in as long, averaged over the 10.
 */
async function statementsPer(t: Target, request: (i: number) => Promise<unknown>): Promise<string> {
  const count = () => t.child.ask<number>('statements');
  const idleFrom = await count();
  const idleStart = performance.now();
  await sleep(2000);
  const idlePerMs = ((await count()) - idleFrom) / (performance.now() - idleStart);
  const during: number[] = [];
  const from = await count();
  const started = performance.now();
  for (let i = 0; i < 10; i++) {
    const before = await count();
    await request(i);
    during.push((await count()) - before);
  }
  await drain(t);
  await sleep(1000);
  const all = (await count()) - from - idlePerMs * (performance.now() - started);
  const sent = median(during);
  const after = Math.max(0, all / 10 - sent);
  return `${sent} / ${after < 0.5 ? 0 : after.toFixed(1)}`;
}

/** The PostgreSQL backends serving the bench database now (their CPU is the database's). */
async function backendPids(admin: postgres.Sql | null): Promise<number[]> {
  if (!admin) return [];
  const rows =
    await admin`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`;
  return rows.map((r) => Number(r.pid));
}

async function bench(kind: Kind): Promise<Row[]> {
  const step = (name: string) => console.error(`  ${kind}: ${name}`);
  try {
    let where: string;
    let admin: postgres.Sql | null = null;
    const dir = await mkdtemp(join(tmpdir(), 'ledger-ceiling-'));
    whenDone(() => rm(dir, { recursive: true, force: true }));
    if (kind === 'postgres') {
      const scratch = await createScratchPostgres();
      whenDone(() => scratch.drop());
      where = scratch.url;
      admin = postgres(where, { max: 1, onnotice: () => {} });
      const a = admin;
      whenDone(() => a.end());
    } else where = join(dir, 'ledger');
    const ledgerChild = await startChild('./ledger-process.ts', [where]);
    const ledger = target(ledgerChild, admin);

    // Seed through Ledger's API: a plan with a metered feature, customers, and four with a
    // subscription: light (entitlement checks), heavy (usage events), ingest, and the credit one.
    const plan = await call<{ id: string }>(ledger, 'POST', '/ledger/plans', {
      name: 'Bench',
      slug: 'bench',
      currency: 'USD',
      features: [{ key: 'calls', name: 'Calls', type: 'metered', limit: 1_000_000_000_000 }],
      pricing: {
        base_amount: 1000,
        billing_period: 'monthly',
        tiers: [{ feature_key: 'calls', type: 'volume', up_to: -1, unit_amount: 1 }],
      },
    });
    const ids: string[] = [];
    await measure(200, 8, async (i) => {
      ids[i] = (
        await call<{ id: string }>(ledger, 'POST', '/ledger/customers', {
          name: `Seed ${i}`,
          email: `seed${i}@bench.example`,
          currency: 'USD',
        })
      ).id;
    });
    const [light = '', heavy = '', ingest = '', credited = '', ceilingCredited = ''] = ids;
    for (const customer of [light, heavy, ingest])
      await call(ledger, 'POST', '/ledger/subscriptions', {
        customer_id: customer,
        plan_id: plan.id,
      });
    const events = USAGE_EVENTS[kind];
    // Each in the bucket the API would give it (the latest of its subscription's start, its period's and its UTC day's), so
    // the figure is that of a million ingested events, not of a day the reader must recount.
    await ledger.sql(
      `INSERT INTO usage_events (tenant_id, app_id, id, customer_id, feature_key, quantity, timestamp, created_at, bucket_start)
       SELECT 'bench', 'app', 'ue_seed_' || g, '${heavy}', 'calls', 1, now(), now(),
         greatest(s.created_at, s.current_period_start,
           date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
       FROM generate_series(1, ${events}) g,
         (SELECT created_at, current_period_start FROM subscriptions
          WHERE customer_id = '${heavy}') s`,
    );
    await ledger.sql('ANALYZE');
    await drain(ledger);

    step(`seeded, ${events} usage events`);
    const ceilingData =
      kind === 'postgres' ? where : await ledgerChild.ask<string>('copy', join(dir, 'ceiling'));
    const ceilingChild = await startChild('./ceiling-server.ts', [
      kind,
      ceilingData,
      ledgerChild.ready.secret,
      'bench',
      'app',
    ]);
    const ceiling = target(ceilingChild, admin);

    let serial = 0;
    const getCustomer = (i: number) => ({ path: `/ledger/customers/${ids[i % ids.length]}` });
    const newCustomer = (i: number) => ({
      path: '/ledger/customers',
      body: { name: `B ${i}`, email: `b${serial++}@bench.example`, currency: 'USD' },
    });
    const idempotent = (i: number) => ({
      ...newCustomer(i),
      headers: { 'idempotency-key': `k${serial}` },
    });
    const checkOf = (customer: string) => () => ({
      path: '/ledger/entitlements/check',
      body: { customer_id: customer, feature_key: 'calls' },
    });
    const check = checkOf(light);
    const batch = () => ({
      path: '/ledger/meter/events/batch',
      body: {
        events: Array.from({ length: 1000 }, () => ({
          customer_id: ingest,
          feature_key: 'calls',
          quantity: 1,
          idempotency_key: `e${serial++}`,
        })),
      },
    });
    const credit = (customer: string) => () => ({
      path: `/ledger/customers/${customer}/credit`,
      body: { amount: { amount: 100, currency: 'USD' }, reason: 'bench' },
    });
    const balance = async (t: Target, customer: string) =>
      Number(
        (
          await t.sql<{ b: string }>(`SELECT balance AS b FROM customers WHERE id = '${customer}'`)
        )[0]?.b,
      );

    /** Per figure and side, the result of each round. */
    const runs = new Map<string, LoadResult[]>();
    const extra = new Map<string, number[]>();
    const keep = <T>(map: Map<string, T[]>, key: string, value: T) =>
      map.set(key, [...(map.get(key) ?? []), value]);
    for (let round = 0; round < ROUNDS; round++) {
      step(`round ${round + 1} of ${ROUNDS}`);
      // Alternate who goes first, so neither always runs on a warmer (or busier) machine.
      const sides: [string, Target][] =
        round % 2
          ? [
              ['ceiling', ceiling],
              ['ledger', ledger],
            ]
          : [
              ['ledger', ledger],
              ['ceiling', ceiling],
            ];
      for (const [side, t] of sides) {
        const isLedger = side === 'ledger';
        const cpu0 = cpuMicros([t.child.pid]);
        const pids = await backendPids(admin);
        const db0 = cpuMicros(pids);
        const get64 = await load(t.spec('GET', getCustomer, 64));
        keep(runs, `${side} get64`, get64);
        keep(extra, `${side} cpu node`, (cpuMicros([t.child.pid]) - cpu0) / get64.ok);
        keep(extra, `${side} cpu db`, (cpuMicros(pids) - db0) / get64.ok);
        keep(runs, `${side} get8`, await load(t.spec('GET', getCustomer, 8)));
        const post = await load(t.spec('POST', newCustomer, 64));
        keep(runs, `${side} post`, post);
        if (isLedger) {
          keep(extra, 'outbox', await backlog(t));
          keep(extra, 'drain', (await drain(t)) ?? Number.POSITIVE_INFINITY);
          keep(runs, 'ledger post idem', await load(t.spec('POST', idempotent, 64)));
          await drain(t);
        }
        keep(runs, `${side} check64`, await load(t.spec('POST', check, 64)));
        keep(runs, `${side} check8`, await load(t.spec('POST', check, 8)));
        if (isLedger) {
          // The same check of the customer with the seeded events: the goal holds at both sizes.
          keep(runs, 'ledger heavy check64', await load(t.spec('POST', checkOf(heavy), 64)));
          keep(runs, 'ledger heavy check8', await load(t.spec('POST', checkOf(heavy), 8)));
        }
        if (isLedger) await drain(t);
        keep(
          runs,
          `${side} batch`,
          await load({ ...t.spec('POST', batch, 4), seconds: Math.max(SECONDS, 8) }),
        );
        if (isLedger) await drain(t);
        const customer = isLedger ? credited : ceilingCredited;
        const before = await balance(t, customer);
        const credits = await load({ ...t.spec('POST', credit(customer), 100), amount: CREDITS });
        keep(runs, `${side} credits`, credits);
        keep(
          extra,
          `${side} credits exact`,
          (await balance(t, customer)) === before - credits.ok * 100 && credits.ok === CREDITS
            ? 1
            : 0,
        );
        if (isLedger) await drain(t);
      }
    }
    const r = (key: string) => mid(runs.get(key) ?? []);
    const x = (key: string) => median(extra.get(key) ?? []);
    const label = kind === 'postgres' ? '' : 'PGlite: ';
    const [lg64, cg64, lg8, cg8] = [
      r('ledger get64'),
      r('ceiling get64'),
      r('ledger get8'),
      r('ceiling get8'),
    ];
    const rows: Row[] = [
      [
        `${label}GET customer, 64 connections`,
        rpsP99(lg64),
        rpsP99(cg64),
        ratio(lg64.rps, cg64.rps),
        '≥ 0.6×',
      ],
      [
        `${label}GET customer, 8 connections`,
        rpsP99(lg8),
        rpsP99(cg8),
        ratio(lg8.rps, cg8.rps),
        '≥ 0.6×, p99 < 10 ms',
      ],
      [
        `${label}CPU per GET (${kind === 'postgres' ? 'node + postgres' : 'node, PGlite in it'})`,
        kind === 'postgres'
          ? `${n0(x('ledger cpu node'))} + ${n0(x('ledger cpu db'))} µs`
          : `${n0(x('ledger cpu node'))} µs`,
        kind === 'postgres'
          ? `${n0(x('ceiling cpu node'))} + ${n0(x('ceiling cpu db'))} µs`
          : `${n0(x('ceiling cpu node'))} µs`,
        ratio(
          x('ledger cpu node') + x('ledger cpu db'),
          x('ceiling cpu node') + x('ceiling cpu db'),
        ),
        '',
      ],
      [
        `${label}POST customer, 64 connections`,
        `${n0(r('ledger post').rps)} rps (${n0(r('ledger post idem').rps)} with Idempotency-Key)`,
        `bare INSERT ${n0(r('ceiling post').rps)} rps`,
        ratio(r('ledger post').rps, r('ceiling post').rps),
        '≥ 0.5×',
      ],
      [
        `${label}outbox after the POST load`,
        `${n0(x('outbox'))} events undelivered, drained in ${Number.isFinite(x('drain')) ? `${x('drain').toFixed(1)} s` : `over ${DRAIN_SECONDS} s`}`,
        '',
        '',
        'keeps up',
      ],
      [
        `${label}entitlement check, light customer, c=64`,
        rpsP99(r('ledger check64')),
        `single-row read ${rpsP99(r('ceiling check64'))}`,
        `${ratio(r('ledger check64').rps, cg64.rps)} of ceiling GET`,
        '≥ 0.5× ceiling GET',
      ],
      [
        `${label}entitlement check, light customer, c=8`,
        rpsP99(r('ledger check8')),
        `single-row read ${rpsP99(r('ceiling check8'))}`,
        `${ratio(r('ledger check8').rps, cg8.rps)} of ceiling GET`,
        'p99 < 10 ms',
      ],
      [
        `${label}entitlement check, customer with ${n0(events)} events, c=64`,
        rpsP99(r('ledger heavy check64')),
        '',
        `${ratio(r('ledger heavy check64').rps, cg64.rps)} of ceiling GET`,
        '≥ 0.5× ceiling GET',
      ],
      [
        `${label}entitlement check, customer with ${n0(events)} events, c=8`,
        rpsP99(r('ledger heavy check8')),
        '',
        `${ratio(r('ledger heavy check8').rps, cg8.rps)} of ceiling GET`,
        'p99 < 10 ms',
      ],
      [
        `${label}batch ingest, 1,000 events a batch, 4 connections`,
        `${n0(r('ledger batch').rps * 1000)} events/s`,
        `one INSERT … SELECT ${n0(r('ceiling batch').rps * 1000)} events/s`,
        ratio(r('ledger batch').rps, r('ceiling batch').rps),
        '≥ 25,000 events/s',
      ],
      [
        `${label}${n0(CREDITS)} concurrent credits (100 connections), one customer`,
        `${x('ledger credits exact') === 1 ? 'exact' : 'NOT EXACT'}; ${n0(r('ledger credits').rps)} credits/s`,
        `one statement: ${x('ceiling credits exact') === 1 ? 'exact' : 'NOT EXACT'}; ${n0(r('ceiling credits').rps)}/s`,
        ratio(r('ledger credits').rps, r('ceiling credits').rps),
        '≥ 1,500/s, exact',
      ],
    ];

    step('current usage');
    // Current usage of the heavy customer: Ledger only (the goal is absolute).
    const usage = (connections: number) =>
      load({
        ...ledger.spec('GET', () => ({ path: `/ledger/customers/${heavy}/usage` }), connections),
        seconds: Math.max(SECONDS, 8),
      });
    const [u1, u64] = [await usage(1), await usage(64)];
    rows.push([
      `${label}current usage, customer with ${n0(events)} events this period`,
      `p50 ${ms(u1.p50)} ms, p99 ${ms(u1.p99)} ms (c=1); p50 ${ms(u64.p50)} ms at c=64`,
      '',
      '',
      '≤ 20 ms p99 at c=1',
    ]);

    if (kind === 'postgres') {
      // SQL statements per request, counted by each server's hook (request / dispatcher after).
      const post = (path: string, body: unknown) => (t: Target) => () =>
        call(t, 'POST', path, body);
      const perRequest: [string, (t: Target) => (i: number) => Promise<unknown>][] = [
        ['GET customer', (t) => (i) => call(t, 'GET', getCustomer(i).path)],
        ['POST customer', (t) => (i) => call(t, 'POST', '/ledger/customers', newCustomer(i).body)],
        [
          'POST customer with Idempotency-Key',
          (t) => (i) =>
            call(t, 'POST', '/ledger/customers', newCustomer(i).body, {
              'idempotency-key': `s${serial++}`,
            }),
        ],
        ['credit', post(`/ledger/customers/${credited}/credit`, credit(credited)().body)],
        ['entitlement check', post('/ledger/entitlements/check', check().body)],
        [
          'batch of 1,000 usage events',
          (t) => () => call(t, 'POST', '/ledger/meter/events/batch', batch().body),
        ],
      ];
      step('statements per request');
      for (const [name, request] of perRequest) {
        const ceilingCount = name.startsWith('POST customer with')
          ? ''
          : await statementsPer(ceiling, request(ceiling));
        rows.push([
          `SQL statements per request: ${name} (before the answer / after it)`,
          await statementsPer(ledger, request(ledger)),
          ceilingCount,
          '',
          '',
        ]);
      }
      // Point 4: two Ledger processes on one PostgreSQL, 32 connections each, against one at 64.
      step('two processes');
      const second = await startChild('./ledger-process.ts', [where]);
      const other = target(second, admin);
      const one: number[] = [];
      const two: number[] = [];
      let failed = 0;
      for (let round = 0; round < ROUNDS; round++) {
        one.push((await load(ledger.spec('GET', getCustomer, 64))).rps);
        const both = await Promise.all(
          [ledger, other].map((t) => load(t.spec('GET', getCustomer, 32))),
        );
        failed += both.reduce((sum, b) => sum + b.failed, 0);
        two.push(both.reduce((sum, b) => sum + b.rps, 0));
      }
      rows.push([
        `two Ledger processes on one PostgreSQL, GET customer, 64 connections in all (${cpus().length} cores)`,
        `${n0(median(two))} rps (one: ${n0(median(one))}), ${failed} failed`,
        '',
        ratio(median(two), median(one)),
        '≥ 1.6× with the cores for it',
      ]);
      await second.stop();

      // The figures above are with rate limits off; on by default, every request first counts
      // against its key's budget in PostgreSQL. Budgets raised so the load is never refused.
      step('rate limits on');
      const limited = target(
        await startChild('./ledger-process.ts', [where, 'rate-limited']),
        admin,
      );
      const limitedGet: LoadResult[] = [];
      const limitedCheck: LoadResult[] = [];
      const ceilingGet: LoadResult[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const both: Array<() => Promise<unknown>> = [
          async () => ceilingGet.push(await load(ceiling.spec('GET', getCustomer, 8))),
          async () => {
            limitedGet.push(await load(limited.spec('GET', getCustomer, 8)));
            limitedCheck.push(await load(limited.spec('POST', check, 8)));
          },
        ];
        for (const run of round % 2 ? both.reverse() : both) await run();
      }
      const [lg, lc, cg] = [mid(limitedGet), mid(limitedCheck), mid(ceilingGet)];
      rows.push(
        [
          'GET customer, 8 connections, rate limits on (budget raised)',
          `${rpsP99(lg)} (limits off: ${n0(lg8.rps)} rps)`,
          rpsP99(cg),
          ratio(lg.rps, cg.rps),
          '',
        ],
        [
          'entitlement check, light customer, c=8, rate limits on (budget raised)',
          `${rpsP99(lc)} (limits off: ${n0(r('ledger check8').rps)} rps)`,
          '',
          `${ratio(lc.rps, cg.rps)} of ceiling GET`,
          '',
        ],
      );
    }
    return rows;
  } finally {
    await undoAll();
  }
}

const started = performance.now();
const kinds: Kind[] = process.env.DATABASE_URL ? ['postgres', 'pglite'] : ['pglite'];
const rows: Row[] = [];
for (const kind of kinds) rows.push(...(await bench(kind)));
const starts = await embeddedStarts(ROUNDS);
rows.push([
  'embedded start → ready (`pnpm start`, PGlite), fresh / restart',
  `${median(starts.fresh).toFixed(1)} s / ${median(starts.restart).toFixed(1)} s`,
  '',
  '',
  '≤ 3 s / ≤ 1 s',
]);
let pgVersion = 'no PostgreSQL';
if (process.env.DATABASE_URL) {
  const sql = postgres(process.env.DATABASE_URL, { max: 1 });
  pgVersion = `PostgreSQL ${(await sql`SHOW server_version`)[0]?.server_version}`;
  await sql.end();
}
console.log(
  `\nLedger vs ceiling: ${ROUNDS} rounds of ${SECONDS} s loads (medians), ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, ${pgVersion}, PGlite 0.5 — ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);
console.log('| figure | Ledger | ceiling | ratio | goal |\n|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
process.exit(0);
