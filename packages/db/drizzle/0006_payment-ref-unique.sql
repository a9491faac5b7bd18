DROP INDEX "invoices_retry_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "payments_processor_ref_key" ON "payments" USING btree ("tenant_id","app_id","processor","processor_ref") WHERE "payments"."processor_ref" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "invoices_retry_idx" ON "invoices" USING btree ("next_attempt_at") WHERE "invoices"."next_attempt_at" IS NOT NULL;