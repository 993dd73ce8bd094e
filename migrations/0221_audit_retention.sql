-- Audit retention that keeps the chain verifiable. Rows are kept at least the retention period
-- (max of 180 days, the tenant's setting and the platform's); older rows may be pruned only as a whole
-- segment that ends at a checkpointed seq: the segment is first written to an archive file, and a
-- signed anchor (seq + hash of its last row) is kept here, from which the verifier continues.

CREATE TABLE audit_anchors (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  at timestamptz NOT NULL,
  key_id text NOT NULL,
  sig text NOT NULL,
  archive text NOT NULL,
  pruned_rows bigint NOT NULL,
  retention_days int NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
ALTER TABLE audit_anchors ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_anchors FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_anchors_read ON audit_anchors FOR SELECT USING (tenant_id = app_tenant() OR app_is_platform());
CREATE POLICY audit_anchors_insert ON audit_anchors FOR INSERT WITH CHECK (app_is_platform());

-- The app role cannot DELETE audit_events (append-only). Only this function, running as the table owner,
-- deletes, and only: up to an anchor that matches the chain, and rows older than the retention period by
-- the database's own clock (so not even a compromised app can delete younger rows).
CREATE POLICY audit_events_prune ON audit_events FOR DELETE USING (current_setting('app.audit_prune', true) = 'on');

CREATE FUNCTION app_audit_prune(chain uuid, upto bigint, floor_days int) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  a_hash bytea;
  newest timestamptz;
  days int;
  n bigint;
BEGIN
  SELECT hash INTO a_hash FROM audit_anchors WHERE tenant_id = chain AND seq = upto;
  IF a_hash IS NULL THEN RAISE EXCEPTION 'audit prune: no anchor at seq %', upto; END IF;
  IF NOT EXISTS (SELECT 1 FROM audit_events WHERE tenant_id = chain AND seq = upto AND hash = a_hash) THEN
    RAISE EXCEPTION 'audit prune: the anchor does not match the chain';
  END IF;
  days := GREATEST(180, coalesce(floor_days, 180), coalesce((SELECT audit_retention_days FROM security_policies WHERE tenant_id = chain), 180));
  SELECT max(occurred_at) INTO newest FROM audit_events WHERE tenant_id = chain AND seq <= upto;
  IF newest >= now() - make_interval(days => days) THEN
    RAISE EXCEPTION 'audit prune: rows younger than % days', days;
  END IF;
  PERFORM set_config('app.audit_prune', 'on', true);
  DELETE FROM audit_events WHERE tenant_id = chain AND seq <= upto;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('app.audit_prune', 'off', true);
  RETURN n;
END $$;
