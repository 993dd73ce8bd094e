-- Data scope applies at every sensitivity level (issue 3: "a contract above the user's clearance or outside
-- the scope does not appear"). Until now `public` rows were visible to every user of the tenant whatever
-- their scope; from here a user with scope own / department / department_and_below sees a public contract
-- only when it is theirs or in their departments, like any other level. See docs/access.md.
CREATE OR REPLACE FUNCTION app_can_see(level text, owner_id uuid, department_id uuid) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT CASE
     WHEN app_is_platform() THEN true
     WHEN coalesce(current_setting('app.clearance', true), '') = '' THEN false
     WHEN app_level_rank(level) IS NULL THEN false
     WHEN app_level_rank(level) > app_level_rank(current_setting('app.clearance', true)) THEN false
     WHEN current_setting('app.scope', true) = 'tenant' THEN true
     WHEN owner_id IS NOT NULL AND owner_id = nullif(current_setting('app.user_id', true), '')::uuid THEN true
     WHEN current_setting('app.scope', true) IN ('department', 'department_and_below') AND department_id IS NOT NULL
       THEN department_id = ANY (string_to_array(coalesce(current_setting('app.department_ids', true), ''), ',')::uuid[])
     ELSE false
   END $$;

-- Deleting a draft contract (contracts.delete_draft, docs/contracts.md). Versions and approval decisions are
-- append-only for the app role (no DELETE grant); this function is the one narrow exception: it removes them
-- only for a contract of the current tenant that the caller can see (data scope) and that is a draft now.
-- The caller (contracts service) locks the contract row first and removes the other rows itself under RLS.
-- PL/pgSQL so that it may be created before the contracts tables exist (bodies are resolved when called).
CREATE OR REPLACE FUNCTION app_purge_draft_history(p_contract uuid) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS
$$
DECLARE
  n integer;
BEGIN
  IF app_tenant() IS NULL OR NOT EXISTS (
    SELECT 1 FROM contracts c
     WHERE c.tenant_id = app_tenant() AND c.id = p_contract AND c.status = 'draft'
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
