/** How a {@link groupCommit} queue sends what waits. */
export interface GroupCommitOptions {
  /** Statements that may run at once; what arrives while that many run waits for the next. */
  inFlightAtMost: number;
  /** Items sent by one statement at most. */
  perStatement: number;
}

/**
 * A group-commit queue: the first item waits one turn of the event loop and goes with every item
 * that arrived meanwhile (up to `perStatement`), in one call of `send`; items that arrive while
 * `inFlightAtMost` calls run go together in the next. `send` settles each item of its batch
 * itself (and must not reject: a failure is the items'). The entitlement checks' inserts, the
 * rate limit counters' upserts and the grouped reads all go this way: many concurrent requests,
 * one statement.
 */
export function groupCommit<T>(
  send: (batch: T[]) => Promise<void>,
  { inFlightAtMost, perStatement }: GroupCommitOptions,
): (item: T) => void {
  const queue: T[] = [];
  let inFlight = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    while (inFlight < inFlightAtMost && queue.length > 0) {
      inFlight++;
      void send(queue.splice(0, perStatement)).finally(() => {
        inFlight--;
        schedule();
      });
    }
  };
  // One turn of the event loop first, so the items of requests already read join the batch
  // (PGlite runs a statement within the microtasks of the request that sent it).
  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= inFlightAtMost) return;
    scheduled = true;
    setImmediate(flush);
  };
  return (item) => {
    queue.push(item);
    schedule();
  };
}
