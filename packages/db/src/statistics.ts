/**
 * Planner statistics where nothing else keeps them: the embedded PGlite, which has no autovacuum,
 * and the tables of a PostgreSQL whose autovacuum is off (for the server, or for the table).
 * Without them the planner guesses that `tenant_id = … AND app_id = …` matches almost nothing,
 * and a lookup by id may walk a whole tenant through a scope index instead of probing the primary
 * key (3.4 ms instead of 1.0 ms at 1,869 customers on PGlite; an entitlement check's read of its
 * customer's plans, prepared, 3.1 ms instead of 0.06 ms at 19,000 customers on PostgreSQL).
 */

/** How a keeper reaches the database: one statement's rows. */
export type RunSql = <T extends Record<string, unknown>>(text: string) => Promise<T[]>;

/** Which tables a keeper looks after. */
export type StatisticsScope = 'all' | 'autovacuum-off';

/** How much a table's heap may grow past its size at the last ANALYZE before it is analyzed again. */
const GROWTH_FACTOR = 2;

/** How often the background pass looks for tables that grew (a catalog query; cheap). */
export const STATISTICS_INTERVAL_MS = 10_000;

/**
 * The tables whose statistics are missing (never analyzed, yet not empty) or stale (the heap grew
 * `GROWTH_FACTOR`× since): the same rule as autovacuum's analyze threshold, in pages, since
 * PGlite keeps no row-change counters (`pg_stat_user_tables` stays at zero).
 */
const staleTables = (scope: StatisticsScope) => `
  SELECT quote_ident(c.relname) AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'r' AND pg_relation_size(c.oid) > 0
    AND (c.reltuples < 0
      OR pg_relation_size(c.oid) / current_setting('block_size')::int
         >= ${GROWTH_FACTOR} * GREATEST(c.relpages, 1))${
           scope === 'all'
             ? ''
             : `
    AND (current_setting('autovacuum') = 'off'
      OR c.reloptions && ARRAY['autovacuum_enabled=false', 'autovacuum_enabled=off'])`
         }
  ORDER BY c.relname`;

/**
 * Analyzes the tables of `scope` that need it (one short statement each), and returns their
 * names.
 */
export async function analyzeStaleTables(
  run: RunSql,
  scope: StatisticsScope = 'all',
): Promise<string[]> {
  const rows = await run<{ name: string }>(staleTables(scope));
  // One table a statement: PGlite runs one statement at a time, so requests wait at most one
  // table's sample (ANALYZE reads at most 30,000 rows of it), not all of them.
  for (const { name } of rows) await run(`ANALYZE public.${name}`);
  return rows.map((row) => row.name);
}

/** The background pass of one open database. */
export interface StatisticsKeeper {
  /** Runs a pass now (after any pass in progress), returning the tables it analyzed. */
  refresh(): Promise<string[]>;
  /** Stops the timer and waits for a pass in progress, so the database can close under it. */
  stop(): Promise<void>;
}

/**
 * Keeps the statistics of `scope` current through `run`: a pass every `intervalMs` on an unref'd timer (it never
 * holds the process open), skipped while one is running. A failed pass is not an error of any
 * request: statistics only steer plans, so the next pass tries again.
 */
export function keepStatistics(
  run: RunSql,
  scope: StatisticsScope,
  intervalMs: number = STATISTICS_INTERVAL_MS,
): StatisticsKeeper {
  let running: Promise<string[]> = Promise.resolve([]);
  let busy = false;
  const pass = () => {
    running = running.then(
      () => analyzeStaleTables(run, scope),
      () => analyzeStaleTables(run, scope),
    );
    return running;
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pass()
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    refresh: pass,
    async stop() {
      clearInterval(timer);
      await running.catch(() => {});
    },
  };
}
