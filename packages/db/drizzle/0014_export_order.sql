DROP INDEX "entitlement_checks_customer_idx";--> statement-breakpoint
CREATE INDEX "usage_events_customer_idx" ON "usage_events" USING btree ("tenant_id","app_id","customer_id","id");--> statement-breakpoint
CREATE INDEX "entitlement_checks_customer_idx" ON "entitlement_checks" USING btree ("tenant_id","app_id","customer_id","id");