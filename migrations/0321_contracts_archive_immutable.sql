-- An archived contract is immutable in the database too, not only in the service: no UPDATE of its row,
-- and no DELETE before its retention date (a future disposal job may remove it afterwards).
-- The seal tables are append-only (see APPEND_ONLY_TABLES in src/platform/db/migrate.ts).
CREATE OR REPLACE FUNCTION contracts_archived_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'archived' THEN
    RAISE EXCEPTION 'contract % is archived and immutable', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'DELETE' AND OLD.status = 'archived' AND (OLD.retention_until IS NULL OR OLD.retention_until >= current_date) THEN
    RAISE EXCEPTION 'contract % is archived and within its retention period', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER contracts_archived_immutable BEFORE UPDATE OR DELETE ON contracts
  FOR EACH ROW EXECUTE FUNCTION contracts_archived_immutable();
