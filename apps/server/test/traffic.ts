import { Agent, request } from 'node:http';

/**
 * Client traffic for the shutdown tests, on `node:http` keep-alive agents: what a request ended
 * with (an HTTP answer, or the socket error a client would see), whether its bytes had been
 * handed to a connection already open, and when they had all been written.
 */

/** How one request ended. */
export type Outcome =
  | {
      answered: true;
      status: number;
      body: string;
      connection: string | undefined;
      reused: boolean;
    }
  | { answered: false; error: string; reused: boolean };

/** A request on its way: `written` resolves once its last byte is on the socket. */
export interface Sent {
  written: Promise<void>;
  outcome: Promise<Outcome>;
  /** Whether the answer (or the error) has come, at the moment of asking. */
  settled(): boolean;
}

/** Where and as whom the traffic goes. */
export interface Target {
  url: string;
  key: string;
}

/**
 * Sends one JSON request with `agent` (its keep-alive sockets are reused when free). With `hold`,
 * the headers and half the body go at once and the rest when `hold` resolves: the server is
 * working on the request (waiting for its body) in the meantime.
 */
export function send(
  agent: Agent,
  target: Target,
  method: string,
  path: string,
  body?: unknown,
  hold?: Promise<void>,
): Sent {
  const json = body === undefined ? undefined : JSON.stringify(body);
  let settled = false;
  let markWritten = () => {};
  const written = new Promise<void>((resolve) => {
    markWritten = resolve;
  });
  const outcome = new Promise<Outcome>((resolve) => {
    const req = request(
      `${target.url}${path}`,
      {
        agent,
        method,
        headers: {
          Authorization: `Bearer ${target.key}`,
          ...(json === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            answered: true,
            status: res.statusCode ?? 0,
            body: text,
            connection: res.headers.connection,
            reused: req.reusedSocket,
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({
            answered: false,
            error: error.code ?? error.message,
            reused: req.reusedSocket,
          }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      markWritten();
      resolve({ answered: false, error: error.code ?? error.message, reused: req.reusedSocket });
    });
    if (hold && json) {
      const half = Math.floor(json.length / 2);
      req.write(json.slice(0, half), () => markWritten());
      void hold.then(() => req.end(json.slice(half)));
    } else {
      req.on('finish', markWritten);
      req.end(json);
    }
  }).finally(() => {
    settled = true;
  });
  return { written, outcome, settled: () => settled };
}

/** A keep-alive agent of up to `sockets` connections. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}

/** An agent that opens a new connection for every request (and closes it after). */
export function freshConnections(): Agent {
  return new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
}

/** A `backToBack` client: its outcomes so far (the array grows) and when it has stopped. */
export interface BackToBack {
  outcomes: Outcome[];
  done: Promise<void>;
}

/**
 * A client that sends the next request the moment the previous one is answered, on one
 * keep-alive connection: the pattern that meets a server closing an idle connection as the next
 * request arrives on it. It stops when an answer says `Connection: close` (or none comes).
 * `next(i)` builds the i-th request.
 */
export function backToBack(
  target: Target,
  next: (i: number) => { method: string; path: string; body?: unknown },
): BackToBack {
  const agent = keepAliveAgent(1);
  const outcomes: Outcome[] = [];
  const done = (async () => {
    for (let i = 0; ; i++) {
      const { method, path, body } = next(i);
      const outcome = await send(agent, target, method, path, body).outcome;
      outcomes.push(outcome);
      if (!outcome.answered || outcome.connection === 'close') return;
    }
  })().finally(() => agent.destroy());
  return { outcomes, done };
}
