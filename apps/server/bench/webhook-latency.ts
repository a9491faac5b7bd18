// Commit-to-first-attempt probes for the webhook benchmark: a customer created over real HTTP,
// timed until the receiver gets its `customer.created` delivery; and a background write load.
import { type BenchReceiver, PROBE_PREFIX } from './webhook-receiver.js';

/** A REST call against the bench server (throws on an error status). */
export type Call = (method: string, path: string, body?: unknown) => Promise<{ id: string }>;

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
}

/** The p50 and p99 of `samples`. */
export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * The latencies of `samples` probes, one at a time: from the POST's response (the change has
 * committed by then, so this is at most the commit-to-attempt time) and from the request sent
 * (at least it), to the receiver getting the delivery.
 */
export async function probeLatencies(
  call: Call,
  receiver: BenchReceiver,
  label: string,
  samples: number,
): Promise<{ fromResponse: Percentiles; fromRequest: Percentiles }> {
  const fromResponse: number[] = [];
  const fromRequest: number[] = [];
  for (let i = 0; i < samples; i++) {
    const email = `${PROBE_PREFIX}${label}-${i}@bench.example`;
    const arrival = receiver.arrivalOf(email);
    const sent = performance.now();
    await call('POST', '/ledger/customers', { name: `Probe ${i}`, email, currency: 'USD' });
    const answered = performance.now();
    const at = await arrival;
    fromResponse.push(at - answered);
    fromRequest.push(at - sent);
  }
  return { fromResponse: percentiles(fromResponse), fromRequest: percentiles(fromRequest) };
}

/** A running write load; `stop` ends it and says how many writes a second it made. */
export interface WriteLoad {
  stop(): Promise<number>;
}

/**
 * `writers` loops of REST writes until stopped, each alternating a credit to its own customer
 * (a `customer.balance.updated` event) and a new customer (`customer.created`): every write
 * is also a delivery for the worker.
 */
export function startWriteLoad(call: Call, writers: number): WriteLoad {
  let running = true;
  let writes = 0;
  const started = performance.now();
  const loops = Array.from({ length: writers }, async (_, w) => {
    let n = 0;
    const create = () =>
      call('POST', '/ledger/customers', {
        name: `Load ${w}.${n}`,
        email: `load-${w}-${n++}@bench.example`,
        currency: 'USD',
      });
    const own = await create();
    for (let i = 0; running; i++) {
      if (i % 2 === 0) {
        await call('POST', `/ledger/customers/${own.id}/credit`, {
          amount: { amount: 100, currency: 'USD' },
          reason: 'bench',
        });
      } else await create();
      writes++;
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return writes / ((performance.now() - started) / 1000);
    },
  };
}
