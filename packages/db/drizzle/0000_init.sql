CREATE TABLE "api_keys" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"name" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "api_keys_pkey" PRIMARY KEY("tenant_id","app_id","id")
);
--> statement-breakpoint
CREATE TABLE "balance_transactions" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"type" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"ending_balance" bigint NOT NULL,
	"description" text NOT NULL,
	"invoice_id" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "balance_transactions_pkey" PRIMARY KEY("tenant_id","app_id","id"),
	CONSTRAINT "balance_transactions_type_check" CHECK ("balance_transactions"."type" IN ('credit', 'debit', 'adjustment', 'applied_to_invoice', 'unapplied_from_invoice', 'initial')),
	CONSTRAINT "balance_transactions_amount_check" CHECK ("balance_transactions"."amount" <> 0)
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"billing_address" jsonb,
	"default_payment_method" text,
	"balance" bigint DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"tax_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tax_exempt" text DEFAULT 'none' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"event_sequence" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "customers_pkey" PRIMARY KEY("tenant_id","app_id","id"),
	CONSTRAINT "customers_balance_range" CHECK ("customers"."balance" BETWEEN -9007199254740991 AND 9007199254740991),
	CONSTRAINT "customers_status_check" CHECK ("customers"."status" IN ('active', 'deleted')),
	CONSTRAINT "customers_tax_exempt_check" CHECK ("customers"."tax_exempt" IN ('none', 'exempt', 'reverse')),
	CONSTRAINT "customers_currency_check" CHECK ("customers"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "customers_email_lower_check" CHECK ("customers"."email" = lower("customers"."email")),
	CONSTRAINT "customers_deleted_check" CHECK (("customers"."status" = 'deleted') = ("customers"."deleted_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "events" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"position" bigint GENERATED ALWAYS AS IDENTITY (sequence name "events_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"customer_id" text,
	"sequence" bigint NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"delivered_at" timestamp (3) with time zone,
	"dead_at" timestamp (3) with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"locked_until" timestamp (3) with time zone,
	"last_error" text,
	CONSTRAINT "events_pkey" PRIMARY KEY("tenant_id","app_id","id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"response_headers" jsonb,
	"response_body" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"locked_until" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("tenant_id","app_id","key")
);
--> statement-breakpoint
CREATE TABLE "payment_methods" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"processor" text NOT NULL,
	"processor_id" text NOT NULL,
	"type" text DEFAULT 'card' NOT NULL,
	"card" jsonb,
	"created_at" timestamp (3) with time zone NOT NULL,
	"removed_at" timestamp (3) with time zone,
	CONSTRAINT "payment_methods_pkey" PRIMARY KEY("tenant_id","app_id","id")
);
--> statement-breakpoint
ALTER TABLE "balance_transactions" ADD CONSTRAINT "balance_transactions_customer_fk" FOREIGN KEY ("tenant_id","app_id","customer_id") REFERENCES "public"."customers"("tenant_id","app_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_methods" ADD CONSTRAINT "payment_methods_customer_fk" FOREIGN KEY ("tenant_id","app_id","customer_id") REFERENCES "public"."customers"("tenant_id","app_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_hash_idx" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "balance_transactions_customer_idx" ON "balance_transactions" USING btree ("tenant_id","app_id","customer_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "customers_live_email_key" ON "customers" USING btree ("tenant_id","app_id","email") WHERE "customers"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "customers_scope_created_idx" ON "customers" USING btree ("tenant_id","app_id","created_at");--> statement-breakpoint
CREATE INDEX "events_customer_idx" ON "events" USING btree ("tenant_id","app_id","customer_id","position");--> statement-breakpoint
CREATE INDEX "events_pending_idx" ON "events" USING btree ("position") WHERE "events"."delivered_at" IS NULL AND "events"."dead_at" IS NULL;--> statement-breakpoint
CREATE INDEX "payment_methods_customer_idx" ON "payment_methods" USING btree ("tenant_id","app_id","customer_id");