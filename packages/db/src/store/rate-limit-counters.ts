import { sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { rateLimits } from '../schema/index.js';
import { groupCommit } from './group-commit.js';
import { perHandle } from './per-handle.js';
import { fixedStatement } from './prepared.js';
import { rowsOf } from './scope.js';

/** A counter as the database answers it: points spent in the window, milliseconds it has left. */
export interface Counter {
  points: number;
  msLeft: number;
}

/** Increments added by one statement at most. */
const MAX_INCREMENTS_PER_STATEMENT = 1_000;

/** One increment waiting for the statement that adds it. */
interface Waiting {
  key: string;
  points: number;
  msDuration: number;
  resolve: (counter: Counter) => void;
  reject: (error: unknown) => void;
}

/**
 * Statements adding to counters that may run at once per handle. The requests of one key still
 * take its row's lock one statement after another, but the next statement is already at the
 * database when the lock is released (measured at 8 connections on one key: GET 4,176-4,354 rps
 * with one at a time, 4,538-5,984 with four).
 */
const MAX_COUNTER_STATEMENTS_IN_FLIGHT = 4;

/**
 * Adds each row's points to its key's window, or starts a new window of `ms` from the database's
 * now (cut to the millisecond `expire` stores, so a window never reads longer than it is) when
 * there is none or it has ended: one row per key, in key order, so any two statements lock their
 * common keys in the same order and never deadlock. Built once.
 *
 * Its commit does not wait for the WAL to reach the disk (`synchronous_commit` off for this
 * statement's transaction alone: `set_config(…, true)`), so the next statement of a key gets its
 * row's lock sooner (GET at 8 connections, one key: 2,806-3,186 rps waiting, 4,018-4,044 not).
 * A crash of PostgreSQL itself may then forget the counts of its last moments (at most
 * 3 × `wal_writer_delay`, 600 ms by default): the budgets of that window allow those requests
 * again. Nothing else is written with it.
 */
const ADD_TO_COUNTERS = fixedStatement(
  () => sql`
    INSERT INTO ${rateLimits} AS t (key, points, expire)
    SELECT r.key, r.points, date_trunc('milliseconds', now()) + r.ms * interval '1 millisecond'
    FROM jsonb_to_recordset(${sql.placeholder('rows')}::jsonb) AS r(key text, points integer, ms integer)
      , (SELECT set_config('synchronous_commit', 'off', true)) AS s
    ORDER BY r.key
    ON CONFLICT (key) DO UPDATE SET
      points = CASE WHEN t.expire <= now() THEN excluded.points ELSE t.points + excluded.points END,
      expire = CASE WHEN t.expire <= now() THEN excluded.expire ELSE t.expire END
    RETURNING t.key, t.points,
      greatest(0, extract(epoch from (t.expire - now())) * 1000)::float8 AS ms_left`,
);

/** The increments of one key in a statement, in the order they were asked. */
interface KeyGroup {
  total: number;
  msDuration: number;
  waiting: Waiting[];
}

/**
 * Answers each increment of `batch` from the rows of one statement: the points of a key's row
 * are the window's after all of that key's increments, so each increment's own count is what
 * the ones asked before it and itself add to what the window held before them: the answers
 * one atomic increment after another in that order would give.
 */
async function addAll(db: Db, batch: Waiting[]): Promise<void> {
  const groups = new Map<string, KeyGroup>();
  for (const waiting of batch) {
    const group = groups.get(waiting.key);
    if (group) {
      group.total += waiting.points;
      group.waiting.push(waiting);
    } else
      groups.set(waiting.key, {
        total: waiting.points,
        msDuration: waiting.msDuration,
        waiting: [waiting],
      });
  }
  const rows = JSON.stringify(
    [...groups].map(([key, group]) => ({
      key,
      points: group.total,
      ms: Math.ceil(group.msDuration),
    })),
  );
  const answered = rowsOf<{ key: string; points: number; ms_left: number }>(
    await ADD_TO_COUNTERS(db, { rows }),
  );
  for (const row of answered) {
    const group = groups.get(row.key);
    if (!group) continue;
    groups.delete(row.key);
    let points = Number(row.points) - group.total;
    for (const waiting of group.waiting) {
      points += waiting.points;
      waiting.resolve({ points, msLeft: Number(row.ms_left) });
    }
  }
  for (const group of groups.values())
    for (const waiting of group.waiting)
      waiting.reject(new Error('The rate limit upsert returned no row'));
}

/**
 * Group commit ({@link groupCommit}) of rate limit counters, one queue per handle: the increments
 * (of any key) asked together go in one statement, up to {@link MAX_COUNTER_STATEMENTS_IN_FLIGHT}
 * of them at once. Every request spends its key's budget before its own work, and one row per key
 * takes every increment: one statement per request made the requests of one key queue on that
 * row's lock, each behind the commit of the one before (1,257 GETs/s at 8 connections, against
 * 7,073 with limits off). A statement that fails fails every increment in it, as a lone upsert's
 * failure would.
 */
export const counterAdder = perHandle((db: Db) => {
  const enqueue = groupCommit(
    (batch: Waiting[]) =>
      addAll(db, batch).catch((error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      }),
    {
      inFlightAtMost: MAX_COUNTER_STATEMENTS_IN_FLIGHT,
      perStatement: MAX_INCREMENTS_PER_STATEMENT,
    },
  );
  return (key: string, points: number, msDuration: number) =>
    new Promise<Counter>((resolve, reject) =>
      enqueue({ key, points, msDuration, resolve, reject }),
    );
});
