-- A returned contract (in_approval → returned, 0320) is a draft again for its owner: it may be deleted like
-- one (contracts.delete_draft). Same function as 0120, with the returned status accepted.
CREATE OR REPLACE FUNCTION app_purge_draft_history(p_contract uuid) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
  n integer;
BEGIN
  IF app_tenant() IS NULL OR NOT EXISTS (
    SELECT 1 FROM contracts c
     WHERE c.tenant_id = app_tenant() AND c.id = p_contract AND c.status IN ('draft', 'returned')
       AND app_can_see(c.sensitivity, c.owner_id, c.department_id)
  ) THEN
    RAISE EXCEPTION 'not a visible draft of this tenant' USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM approval_decisions d USING contract_approvals a
   WHERE a.tenant_id = app_tenant() AND a.contract_id = p_contract AND d.tenant_id = a.tenant_id AND d.approval_id = a.id;
  DELETE FROM contract_versions v WHERE v.tenant_id = app_tenant() AND v.contract_id = p_contract;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION app_purge_draft_history(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_purge_draft_history(uuid) TO pactum_app;
