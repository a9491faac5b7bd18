-- The raw usage of one customer's feature over [from, to): the usage sum's path for a day whose
-- bucket straddles the window's edge (packages/db/src/store/usage.ts, usageTotalOf). A scalar SQL
-- function is never inlined, so a statement calling it is costed at the function's COST instead
-- of by the events table's statistics. Written inline, that path (almost never taken) made the
-- entitlement check's prepared read cost 31 at 10 events and 31,829 at 400,000: PostgreSQL,
-- comparing that generic plan with the cheap custom plans of its first five executions, then
-- planned the read afresh on every execution for thousands more (checks at 8 connections: twice
-- the database CPU), until the average of those custom plans caught up.
CREATE FUNCTION ledger_raw_usage(tenant_id text, app_id text, customer_id text, feature_key text,
  "from" timestamptz, "to" timestamptz)
RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT coalesce(sum(e.quantity), 0) FROM usage_events e
  WHERE e.tenant_id = $1 AND e.app_id = $2 AND e.customer_id = $3 AND e.feature_key = $4
    AND e."timestamp" >= $5 AND e."timestamp" < $6
$$;
