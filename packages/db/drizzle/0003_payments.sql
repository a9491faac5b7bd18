CREATE TABLE "processed_events" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"processor" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"processed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "processed_events_pkey" PRIMARY KEY("tenant_id","app_id","processor","event_id")
);
--> statement-breakpoint
CREATE TABLE "processor_customers" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"processor" text NOT NULL,
	"external_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "processor_customers_pkey" PRIMARY KEY("tenant_id","app_id","customer_id","processor")
);
--> statement-breakpoint
CREATE INDEX "payment_methods_processor_idx" ON "payment_methods" USING btree ("processor","processor_id");--> statement-breakpoint
CREATE INDEX "payments_processor_ref_idx" ON "payments" USING btree ("processor","processor_ref");