CREATE TABLE "idempotency_steps" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"key" text NOT NULL,
	"generation" timestamp (3) with time zone NOT NULL,
	"seq" integer NOT NULL,
	"result" text NOT NULL,
	CONSTRAINT "idempotency_steps_pkey" PRIMARY KEY("tenant_id","app_id","key","seq")
);
--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "owner" text;