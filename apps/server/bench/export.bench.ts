// `pnpm bench`: the customer data export (`GET /ledger/customers/{id}/export`) of a customer with
// 500,000 usage events, on PostgreSQL (PGlite when DATABASE_URL is unset): rows per second and
// the server process's extra peak memory while it streams, beside PRIVACY.md's targets.
// Figures, not assertions: tests never time. The client reading the stream runs in the same
// process and keeps nothing but counters, so the extra memory it adds is in the figure too.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DatabaseKind } from '@ledger/db/testing';
import { startBenchLedger } from './in-process.js';

const EVENTS = Number(process.env.BENCH_EXPORT_EVENTS ?? 500_000);
const TARGET_ROWS_PER_SECOND = 50_000;
const TARGET_EXTRA_MB = 50;
const MB = 1024 * 1024;

const run = promisify(execFile);

async function bench(kind: DatabaseKind) {
  const { server, database, scope, headers } = await startBenchLedger(kind);
  try {
    const created = await fetch(`${server.url}/ledger/customers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Heavy user', email: 'heavy@example.com', currency: 'USD' }),
    });
    if (created.status !== 201)
      throw new Error(`create: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    // The usage table's columns, in one statement: ids sort in insertion order, like TypeIDs.
    const insertStarted = performance.now();
    await database.db.execute(
      `insert into usage_events (tenant_id, app_id, id, customer_id, feature_key, quantity, timestamp, idempotency_key, created_at)
       select '${scope.tenantId}', '${scope.appId}', 'use_7zzzz' || lpad(n::text, 21, '0'), '${id}',
              'api_calls', n % 7, now() - (n || ' ms')::interval, 'bench-' || n, now()
       from generate_series(1, ${EVENTS}) as n`,
    );
    const insertSeconds = (performance.now() - insertStarted) / 1000;

    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    const sizeFile = join(tmpdir(), `ledger-export-bench-${process.pid}.size`);
    const started = performance.now();
    // The client is another process (curl, its rows counted by grep and its bytes by wc), so
    // only the server's memory is sampled here: an in-process reader's buffers would count too.
    const { stdout } = await run('bash', [
      '-o',
      'pipefail',
      '-c',
      `curl -sS -H "Authorization: ${headers.Authorization}" "${server.url}/ledger/customers/${id}/export" | tee >(wc -c > "${sizeFile}") | grep -o '"id":"use_' | wc -l`,
    ]);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const rows = Number(stdout.trim());
    await new Promise((resolve) => setTimeout(resolve, 100)); // the size subshell finishes
    const bytes = Number(readFileSync(sizeFile, 'utf8').trim());
    if (rows !== EVENTS) throw new Error(`the export held ${rows} usage events of ${EVENTS}`);
    return { insertSeconds, seconds, rows, bytes, extraMb: (peak - before) / MB };
  } finally {
    await server.close();
  }
}

const kind: DatabaseKind = process.env.DATABASE_URL ? 'postgres' : 'pglite';
const r = await bench(kind);
const rate = r.rows / r.seconds;
console.log(
  `\n${kind}: export of a customer with ${EVENTS.toLocaleString('en')} usage events (GET /ledger/customers/{id}/export, one JSON document, ${(r.bytes / MB).toFixed(0)} MB; inserted in ${r.insertSeconds.toFixed(1)} s)`,
);
console.log(`  ${'figure'.padEnd(22)}${'measured'.padStart(14)}${'target'.padStart(14)}`);
console.log(
  `  ${'rows per second'.padEnd(22)}${rate.toFixed(0).padStart(12)}/s${`≥ ${TARGET_ROWS_PER_SECOND}`.padStart(12)}/s  ${rate >= TARGET_ROWS_PER_SECOND ? 'met' : 'MISSED'}`,
);
console.log(
  `  ${'extra peak RSS'.padEnd(22)}${r.extraMb.toFixed(1).padStart(11)} MB${`< ${TARGET_EXTRA_MB}`.padStart(11)} MB  ${r.extraMb < TARGET_EXTRA_MB ? 'met' : 'MISSED'}`,
);
console.log(`  ${'total time'.padEnd(22)}${r.seconds.toFixed(2).padStart(12)} s`);
