CREATE TABLE "fx_overrides" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"overrides" jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "fx_overrides_pkey" PRIMARY KEY("tenant_id","app_id")
);
