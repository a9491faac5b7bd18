-- ledger_read_keys (migration 0018) in PL/pgSQL. As a SQL function with `SET search_path` it was
-- kept from being inlined, but PostgreSQL then parsed and planned its body again on every call,
-- and saved and restored the setting around it: 85 µs of each grouped read over a bare round
-- trip of 100 µs, where jsonb_to_recordset inline cost 33 µs. PL/pgSQL is never inlined either,
-- so the planner still sees ROWS 4, and it keeps its body's plan for the connection: 37 µs.
CREATE OR REPLACE FUNCTION ledger_read_keys(keys jsonb)
RETURNS TABLE (i int, tenant_id text, app_id text, id text, feature_key text)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 4
AS $$
BEGIN
  RETURN QUERY
    SELECT k.i, k.tenant_id, k.app_id, k.id, k.feature_key
    FROM jsonb_to_recordset(keys) AS k(i int, tenant_id text, app_id text, id text, feature_key text);
END
$$;
