-- Every process caches the API keys it has verified (see store/api-key-cache.ts). A change to a
-- key (its revocation above all), however it is written, even by hand in SQL, is announced on
-- the channel `ledger_api_keys` with the key's hash, so every listening process drops it at
-- once; a TRUNCATE announces '' (drop everything). NOTIFY is delivered when the change commits.
CREATE OR REPLACE FUNCTION ledger_announce_api_key_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('ledger_api_keys', '');
  ELSE
    PERFORM pg_notify('ledger_api_keys', OLD.key_hash);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER api_keys_announce_change
  AFTER UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION ledger_announce_api_key_change();
--> statement-breakpoint
CREATE TRIGGER api_keys_announce_truncate
  AFTER TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_announce_api_key_change();
