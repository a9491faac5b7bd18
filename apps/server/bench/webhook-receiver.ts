// The benchmark's webhook receiver: a real node:http server on 127.0.0.1:0 that answers 204 at
// once (keep-alive), counts what it gets and notes when probe events arrive.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A receiver that costs as little as a receiver can, so the figures are the sender's. */
export interface BenchReceiver {
  url: string;
  /** Requests received so far. */
  count(): number;
  /** The last request's body and headers, for the baseline client to send the same. */
  sample(): { body: string; headers: Record<string, string> } | null;
  /**
   * Resolves with the `performance.now()` at which the `customer.created` event of the customer
   * with `email` arrived (before or after this call): how probes time commit-to-first-attempt.
   */
  arrivalOf(email: string): Promise<number>;
  close(): Promise<void>;
}

/** Probe customers' emails start with this; only their arrivals are kept. */
export const PROBE_PREFIX = 'probe-';

interface ProbeShape {
  type?: string;
  data?: { object?: { email?: unknown } };
}

/** Starts the receiver; every request is read whole, then answered 204. */
export async function startBenchReceiver(): Promise<BenchReceiver> {
  let received = 0;
  let last: { body: string; headers: Record<string, string> } | null = null;
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      received++;
      const body = Buffer.concat(chunks).toString('utf8');
      if (body.includes(`"${PROBE_PREFIX}`)) {
        const event = JSON.parse(body) as ProbeShape;
        const email = event.data?.object?.email;
        if (event.type === 'customer.created' && typeof email === 'string') {
          const wake = waiting.get(email);
          if (wake) {
            waiting.delete(email);
            wake(at);
          } else arrived.set(email, at);
        }
      }
      if (received === 1 || received % 1000 === 0) {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'user-agent', 'webhook-id', 'webhook-timestamp']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const signature = req.headers['webhook-signature'];
        if (typeof signature === 'string') headers['webhook-signature'] = signature;
        last = { body, headers };
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    count: () => received,
    sample: () => last,
    arrivalOf(email) {
      const at = arrived.get(email);
      if (at !== undefined) {
        arrived.delete(email);
        return Promise.resolve(at);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(email);
          reject(new Error(`no delivery of ${email} within 30 s`));
        }, 30_000);
        waiting.set(email, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
