import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/**
 * How long a connection must have been idle before a draining server closes it. HTTP/1.1 has no
 * way to tell a client "do not send on this connection any more", so closing an idle keep-alive
 * connection always races a request the client may be sending on it. A client with requests
 * queued sends the next one within a round trip of the previous answer; a connection that has
 * been quiet this long has no request on its way, and one that brings a request within it gets
 * its answer (with `Connection: close`) instead of a reset. Only time the event loop was free to
 * read counts: while it is blocked (PGlite runs its queries on it), requests wait unread.
 */
export const IDLE_GRACE_MS = 1000;

/** How often a draining server looks for connections that have been idle long enough. */
const SWEEP_MS = 50;

/**
 * How long a draining server keeps accepting while clients keep connecting. Connections the
 * kernel completed before the signal wait in the listen queue until the server accepts them, and
 * closing the listener would reset them, requests and all; so the listener closes once the queue
 * is seen empty on two turns of the event loop in a row, or once the loop has been free to accept
 * for this long (time it spent blocked, as on PGlite's queries, does not count).
 */
const ACCEPT_QUEUED_MS = 1000;

/**
 * A turn of the event loop that follows the previous one within this long was preceded by a
 * poll that saw what arrived until a moment ago; a decision taken in a slower turn may miss
 * what came while the loop was busy.
 */
const QUICK_TURN_MS = 10;

/** What a drain did. */
export interface DrainReport {
  /** Connections still open at the deadline, destroyed then. */
  forced: number;
}

/** Graceful shutdown of one HTTP server; `drain` is called once. */
export interface Drainable {
  /**
   * Stops accepting connections (once those already queued are in) and answers every request on
   * one, each answer with `Connection: close`. Connections close once their last answer is
   * written, idle ones after `IDLE_GRACE_MS`, and whatever is still open after `timeoutMs` is
   * destroyed. Resolves when the listener and every connection are closed.
   */
  drain(timeoutMs: number): Promise<DrainReport>;
}

interface Connection {
  /** Requests on it not yet fully answered (more than one when a client pipelines). */
  busy: number;
  /** Its byte count when last looked at: bytes of a request not yet whole count as activity. */
  bytesRead: number;
  /** Since when it has had nothing to do. */
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
 * Calls `decide(elapsedMs)` on every turn of the event loop, right after its poll, until it
 * returns true; `elapsedMs` is the time since the previous turn.
 */
function eachTurn(decide: (elapsedMs: number) => boolean): void {
  let last = Date.now();
  const turn = () => {
    const now = Date.now();
    const elapsed = now - last;
    last = now;
    if (!decide(elapsed)) setImmediate(turn);
  };
  setImmediate(turn);
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
  let accepted = 0;
  let draining = false;

  server.on('connection', (socket: Socket) => {
    accepted++;
    connections.set(socket, { busy: 0, bytesRead: 0, idleSince: Date.now() });
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

  const idle = (socket: Socket, connection: Connection) =>
    connection.busy === 0 &&
    socket.writableLength === 0 &&
    socket.bytesRead === connection.bytesRead;

  let lastSweep = Date.now();
  /** Closes the connections idle for the grace, after one more poll has found nothing for them. */
  const sweep = () => {
    const now = Date.now();
    const blocked = now - lastSweep > 2 * SWEEP_MS;
    lastSweep = now;
    const quiet: Socket[] = [];
    for (const [socket, connection] of connections) {
      if (blocked || !idle(socket, connection)) {
        connection.bytesRead = socket.bytesRead;
        connection.idleSince = Math.max(connection.idleSince, now);
      } else if (now - connection.idleSince >= IDLE_GRACE_MS) quiet.push(socket);
    }
    if (quiet.length === 0) return;
    setImmediate(() => {
      for (const socket of quiet) {
        const connection = connections.get(socket);
        if (connection && idle(socket, connection)) socket.destroy();
      }
    });
  };

  return {
    drain(timeoutMs) {
      draining = true;
      for (const res of answering) lastOnConnection(res);
      // Idle connections get the whole grace from now on, however long they were idle before: a
      // request may be on its way, or already here but not yet read.
      const start = Date.now();
      for (const connection of connections.values()) connection.idleSince = start;
      lastSweep = start;
      return new Promise<DrainReport>((resolve) => {
        let forced = 0;
        let listening = true;
        const sweeping = setInterval(sweep, SWEEP_MS);
        const deadline = setTimeout(() => {
          stopListening();
          forced = connections.size;
          for (const socket of connections.keys()) socket.destroy();
        }, timeoutMs);
        // The callback runs once the listener and the last connection are closed.
        function stopListening() {
          if (!listening) return;
          listening = false;
          NetServer.prototype.close.call(server, () => {
            clearInterval(sweeping);
            clearTimeout(deadline);
            resolve({ forced });
          });
        }
        let seen = accepted;
        let quietTurns = 0;
        let free = 0;
        eachTurn((elapsed) => {
          const quick = elapsed <= QUICK_TURN_MS;
          free += Math.min(elapsed, QUICK_TURN_MS);
          quietTurns = quick && accepted === seen ? quietTurns + 1 : 0;
          seen = accepted;
          const done = !listening || quietTurns >= 2 || (quick && free >= ACCEPT_QUEUED_MS);
          if (done) stopListening();
          return done;
        });
      });
    },
  };
}
