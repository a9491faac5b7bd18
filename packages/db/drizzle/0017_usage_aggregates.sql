CREATE TABLE "usage_aggregates" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"feature_key" text NOT NULL,
	"bucket_start" timestamp (3) with time zone NOT NULL,
	"quantity" bigint NOT NULL,
	"last_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "usage_aggregates_pkey" PRIMARY KEY("tenant_id","app_id","customer_id","feature_key","bucket_start")
);
--> statement-breakpoint
ALTER TABLE "usage_events" ADD COLUMN "bucket_start" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_bucket_check" CHECK ("usage_events"."bucket_start" is null or ("usage_events"."bucket_start" <= "usage_events"."timestamp" and date_trunc('day', "usage_events"."bucket_start" at time zone 'UTC') = date_trunc('day', "usage_events"."timestamp" at time zone 'UTC')));--> statement-breakpoint
-- Every stored usage event is added to its running total in the statement that stores it, whoever
-- writes it (the usage store, a hand-written insert, a process still on an older version): the
-- totals cannot fall behind the raw events. One grouped upsert per statement, in key order.
CREATE OR REPLACE FUNCTION ledger_add_usage_totals() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_aggregates AS a
    (tenant_id, app_id, customer_id, feature_key, bucket_start, quantity, last_at)
  SELECT tenant_id, app_id, customer_id, feature_key,
    coalesce(bucket_start, date_trunc('day', "timestamp" at time zone 'UTC') at time zone 'UTC'),
    sum(quantity), max("timestamp")
  FROM stored
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (tenant_id, app_id, customer_id, feature_key, bucket_start) DO UPDATE
    SET quantity = a.quantity + excluded.quantity, last_at = greatest(a.last_at, excluded.last_at);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER usage_events_add_totals
  AFTER INSERT ON usage_events REFERENCING NEW TABLE AS stored
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_add_usage_totals();
--> statement-breakpoint
-- Usage is only ever added: an update or delete would leave the totals wrong, so both are refused.
CREATE OR REPLACE FUNCTION ledger_refuse_usage_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'usage_events rows are immutable (% refused)', TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER usage_events_immutable
  BEFORE UPDATE OR DELETE ON usage_events
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_usage_change();
--> statement-breakpoint
CREATE TRIGGER usage_events_no_truncate
  BEFORE TRUNCATE ON usage_events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_usage_change();
--> statement-breakpoint
-- The events stored before this migration, one total per customer, feature and UTC day.
INSERT INTO usage_aggregates (tenant_id, app_id, customer_id, feature_key, bucket_start, quantity, last_at)
SELECT tenant_id, app_id, customer_id, feature_key,
  date_trunc('day', "timestamp" at time zone 'UTC') at time zone 'UTC', sum(quantity), max("timestamp")
FROM usage_events
GROUP BY 1, 2, 3, 4, 5;
