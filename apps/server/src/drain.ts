import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * How long a connection must have been idle before a draining server closes it. HTTP/1.1 has no
 * way to tell a client "do not send on this connection any more", so closing an idle keep-alive
 * connection always races a request the client may be sending on it. A client with requests
 * queued sends the next one within a round trip of the previous answer; a connection that has
 * been quiet this long has no request on its way, and one that brings a request within it gets
 * its answer (with `Connection: close`) instead of a reset.
 */
export const IDLE_GRACE_MS = 1000;

/** How often a draining server looks for connections that have been idle long enough. */
const SWEEP_MS = 50;

/** What a drain did. */
export interface DrainReport {
  /** Connections still open at the deadline, destroyed then. */
  forced: number;
}

/** Graceful shutdown of one HTTP server; `drain` is called once. */
export interface Drainable {
  /**
   * Stops accepting connections and answers every request already on one (new requests on an
   * open connection too, each with `Connection: close`). Connections close once their last
   * answer is written; idle ones after `IDLE_GRACE_MS`; whatever is still open after `timeoutMs`
   * is destroyed. Resolves when no connection is left.
   */
  drain(timeoutMs: number): Promise<DrainReport>;
}

interface Connection {
  /** Requests on it not yet fully answered (more than one when a client pipelines). */
  busy: number;
  /** When it last had nothing to do (its last answer written, or when it opened). */
  idleSince: number;
}

/**
 * Makes an answer the last one on its connection: `Connection: close`, and Node closes the
 * connection once the answer is written. An answer whose headers are already out keeps them; its
 * connection is closed as an idle one afterwards.
 */
function lastOnConnection(res: ServerResponse): void {
  if (!res.headersSent) res.shouldKeepAlive = false;
}

/**
 * Tracks `server`'s connections and requests from now on (call it before the server listens) so
 * that it can be drained. Node's own `server.close()` is not used: it destroys idle connections
 * at once (the race `IDLE_GRACE_MS` avoids), and it stops enforcing `headersTimeout` and
 * `requestTimeout` on the connections left, which kept a client that stalls mid-body connected
 * for as long as it liked. (Those checks run on an unref'd timer, which never holds the process.)
 */
export function drainable(server: Server): Drainable {
  const connections = new Map<Socket, Connection>();
  const answering = new Set<ServerResponse>();
  let draining = false;

  server.on('connection', (socket: Socket) => {
    connections.set(socket, { busy: 0, idleSince: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });
  // Before the app's own listener, so the header is decided before any answer is written.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const connection = connections.get(req.socket);
    if (connection) connection.busy++;
    answering.add(res);
    if (draining) lastOnConnection(res);
    res.once('close', () => {
      answering.delete(res);
      if (!connection) return;
      connection.busy--;
      connection.idleSince = Date.now();
    });
  });

  const closeIdle = (now: number) => {
    for (const [socket, connection] of connections) {
      const quiet = connection.busy === 0 && socket.writableLength === 0;
      if (quiet && now - connection.idleSince >= IDLE_GRACE_MS) socket.destroy();
    }
  };

  return {
    drain(timeoutMs) {
      draining = true;
      for (const res of answering) lastOnConnection(res);
      // Idle connections get the whole grace from now on, however long they were idle before: a
      // request may be on its way, or already here but not yet read.
      const start = Date.now();
      for (const connection of connections.values()) connection.idleSince = start;
      return new Promise<DrainReport>((resolve) => {
        let forced = 0;
        const sweep = setInterval(() => closeIdle(Date.now()), SWEEP_MS);
        const deadline = setTimeout(() => {
          forced = connections.size;
          for (const socket of connections.keys()) socket.destroy();
        }, timeoutMs);
        // The listener closes now; the callback runs once the last connection has closed.
        NetServer.prototype.close.call(server, () => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve({ forced });
        });
      });
    },
  };
}
