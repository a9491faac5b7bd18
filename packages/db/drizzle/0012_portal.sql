CREATE TABLE "portal_configurations" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"configuration" jsonb NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "portal_configurations_pkey" PRIMARY KEY("tenant_id","app_id")
);
--> statement-breakpoint
CREATE TABLE "portal_sessions" (
	"tenant_id" text NOT NULL,
	"app_id" text NOT NULL,
	"id" text NOT NULL,
	"customer_id" text NOT NULL,
	"return_url" text NOT NULL,
	"token_hash" text NOT NULL,
	"cookie_hash" text,
	"csrf_token" text NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone,
	"session_expires_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "portal_sessions_pkey" PRIMARY KEY("tenant_id","app_id","id")
);
--> statement-breakpoint
ALTER TABLE "portal_sessions" ADD CONSTRAINT "portal_sessions_customer_fk" FOREIGN KEY ("tenant_id","app_id","customer_id") REFERENCES "public"."customers"("tenant_id","app_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "portal_sessions_token_idx" ON "portal_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "portal_sessions_cookie_idx" ON "portal_sessions" USING btree ("cookie_hash");--> statement-breakpoint
CREATE INDEX "portal_sessions_customer_idx" ON "portal_sessions" USING btree ("tenant_id","app_id","customer_id");