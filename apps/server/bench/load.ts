import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** One request of a load: its path, and a JSON body and headers when it has them. */
export interface Shot {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A load: where, how many connections, for how long (or how many requests in all). */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The `i`-th request (numbered across connections), so each can differ. */
  shot: (i: number) => Shot;
  connections: number;
  seconds?: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
}

/** What a load measured: successful requests per second, latency in ms, and what failed. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

/**
 * Runs a load with autocannon: the generator the ceiling bench uses because it spends little CPU
 * per request (one event loop, no fetch/undici per call), so on two cores the server under test
 * gets them.
 */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  let next = 0;
  let firstFailure = '';
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount ? { amount: spec.amount } : { duration: spec.seconds ?? 5 }),
    timeout: 60,
    requests: [
      {
        method: spec.method,
        setupRequest: (request) => {
          const shot = spec.shot(next++);
          return {
            ...request,
            path: shot.path,
            headers: { ...spec.headers, ...shot.headers },
            ...(shot.body === undefined ? {} : { body: JSON.stringify(shot.body) }),
          };
        },
        onResponse: (status, body) => {
          if (status >= 300 && !firstFailure) firstFailure = `${status} ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) {
    console.warn(
      `  ! ${spec.method} ${spec.shot(0).path}: ${failed} failed, first: ${firstFailure}`,
    );
  }
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    failed,
  };
}

/** The median of `values` (the middle one, or the mean of the middle two): what a round reports. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat CPU times. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, µs) the processes `pids` have used, from /proc/<pid>/stat: read from
 * outside, so it counts a server process (all its threads) or a PostgreSQL backend alike. A
 * process gone already counts 0.
 */
export function cpuMicros(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // The command name (field 2) may hold spaces: count fields from after its ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}
