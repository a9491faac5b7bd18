// What the webhook worker's rate is compared with: the receiver's own ceiling (a plain keep-alive
// client, no database) and Ledger's sender alone (signing and the sender's pool, no database).
import http from 'node:http';
import { createWebhookSender } from '../src/webhooks/send.js';
import { signWebhook } from '../src/webhooks/signature.js';

/** A request as the receiver last got one. */
export interface SampleRequest {
  body: string;
  headers: Record<string, string>;
}

/** Runs `count` calls of `op` with `concurrency` in flight; returns calls per second. */
async function rate(count: number, concurrency: number, op: () => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await op();
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/**
 * The bare receiver's ceiling: the same body and headers POSTed by a plain keep-alive client
 * with one socket per request in flight, nothing else in the way.
 */
export async function bareClientRate(
  url: string,
  sample: SampleRequest,
  count: number,
  concurrency: number,
): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = { ...sample.headers, 'content-length': String(Buffer.byteLength(sample.body)) };
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(sample.body);
    });
  try {
    return await rate(count, concurrency, post);
  } finally {
    agent.destroy();
  }
}

/**
 * Ledger's sender alone, as the worker calls it (signed anew each attempt, over its own
 * keep-alive pool with its default sockets per host), without claiming or settling.
 */
export async function senderRate(
  url: string,
  sample: SampleRequest,
  count: number,
  concurrency: number,
): Promise<number> {
  const sender = createWebhookSender({ allowPrivate: true });
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const id = sample.headers['webhook-id'] ?? 'evt_bench';
  try {
    return await rate(count, concurrency, async () => {
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await sender.send({
        url,
        headers: {
          ...sample.headers,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook([secret], id, timestamp, sample.body),
        },
        body: sample.body,
        timeoutMs: 15_000,
      });
      if (response.status !== 204) throw new Error(`sender baseline: ${response.error}`);
    });
  } finally {
    sender.close();
  }
}
