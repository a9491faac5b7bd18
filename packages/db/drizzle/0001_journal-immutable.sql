-- Balance transactions are an append-only journal: refuse UPDATE and DELETE at the database,
-- so no code path (or hand-written SQL) can rewrite a customer's balance history.
CREATE OR REPLACE FUNCTION ledger_refuse_journal_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'balance_transactions rows are immutable (% refused)', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER balance_transactions_immutable
  BEFORE UPDATE OR DELETE ON balance_transactions
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_journal_change();
--> statement-breakpoint
CREATE TRIGGER balance_transactions_no_truncate
  BEFORE TRUNCATE ON balance_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_journal_change();
