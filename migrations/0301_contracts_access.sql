-- Contracts under the access module: department heads move to departments.head_user_id (0102), and
-- data levels are enforced in SQL on contracts and on every child table (see docs/access.md).

UPDATE departments d SET head_user_id = h.user_id
  FROM contract_department_heads h WHERE h.tenant_id = d.tenant_id AND h.department_id = d.id AND d.head_user_id IS NULL;
DROP TABLE contract_department_heads;

-- A contract above the caller's clearance or outside their scope does not exist for them.
CREATE POLICY contracts_level ON contracts AS RESTRICTIVE
  USING (app_can_see(sensitivity, owner_id, department_id)) WITH CHECK (app_can_see(sensitivity, owner_id, department_id));

-- Child rows are visible only through a visible contract (the subquery is itself under the policy above).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['contract_versions', 'contract_attachments', 'contract_approvals', 'contract_signers', 'contract_seals', 'contract_reminders'] LOOP
    EXECUTE format(
      'CREATE POLICY %I ON %I AS RESTRICTIVE USING (EXISTS (SELECT 1 FROM contracts c WHERE c.tenant_id = %I.tenant_id AND c.id = %I.contract_id))
         WITH CHECK (EXISTS (SELECT 1 FROM contracts c WHERE c.tenant_id = %I.tenant_id AND c.id = %I.contract_id))',
      t || '_level', t, t, t, t, t);
  END LOOP;
END $$;
CREATE POLICY approval_decisions_level ON approval_decisions AS RESTRICTIVE
  USING (EXISTS (SELECT 1 FROM contract_approvals a WHERE a.tenant_id = approval_decisions.tenant_id AND a.id = approval_decisions.approval_id))
  WITH CHECK (EXISTS (SELECT 1 FROM contract_approvals a WHERE a.tenant_id = approval_decisions.tenant_id AND a.id = approval_decisions.approval_id));
CREATE POLICY contract_notifications_level ON contract_notifications AS RESTRICTIVE
  USING (contract_id IS NULL OR EXISTS (SELECT 1 FROM contracts c WHERE c.tenant_id = contract_notifications.tenant_id AND c.id = contract_notifications.contract_id))
  WITH CHECK (contract_id IS NULL OR EXISTS (SELECT 1 FROM contracts c WHERE c.tenant_id = contract_notifications.tenant_id AND c.id = contract_notifications.contract_id));
