import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body (every Ledger delivery is JSON). */
  event: { id: string; type: string; customer_id: string | null; sequence: number } & Record<
    string,
    unknown
  >;
  at: number;
  /** The sender's TCP port: which connection (and so which process) the request came on. */
  remotePort: number;
}

/** How a receiver answers one request: a status (and body), or `'hang'` to never answer. */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A real HTTP receiver on 127.0.0.1:0 for webhook tests. */
export interface TestReceiver {
  url: string;
  received: Received[];
  /** Decides each answer (default: 200). Called with the request before it is answered. */
  answer: (request: Received) => Answer | Promise<Answer>;
  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** Starts a receiver that records every request and answers as `answer` says. */
export async function startReceiver(
  answer: TestReceiver['answer'] = () => ({ status: 200 }),
): Promise<TestReceiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const request: Received = {
      path: req.url ?? '/',
      headers: req.headers,
      body,
      event: JSON.parse(body) as Received['event'],
      at: Date.now(),
      remotePort: req.socket.remotePort ?? 0,
    };
    received.push(request);
    for (const wake of waiters) wake();
    const reply = await receiver.answer(request);
    if (reply === 'hang') {
      hanging.add(res);
      return;
    }
    res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: TestReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer,
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(received.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the receiver got ${received.length} of ${count} requests`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
