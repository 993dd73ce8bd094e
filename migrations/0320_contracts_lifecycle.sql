-- Contract lifecycle (issue 4 audit): `returned` as a status, archiving of terminated/expired contracts,
-- signing rounds that end at the deadline or on withdrawal, removable attachments (kept as a record),
-- and tenant-configurable number schemes. See docs/contracts.md.

-- `returned`: an approver returned the contract with a comment; editable like a draft, resubmitted from here.
ALTER TABLE contracts DROP CONSTRAINT contracts_status_check;
ALTER TABLE contracts ADD CONSTRAINT contracts_status_check
  CHECK (status IN ('draft', 'returned', 'in_approval', 'approved', 'signing', 'signed', 'archived', 'withdrawn', 'terminated', 'expired'));
-- Existing drafts whose latest approval round was returned are returned contracts.
UPDATE contracts c SET status = 'returned'
 WHERE c.status = 'draft'
   AND (SELECT a.status FROM contract_approvals a WHERE a.tenant_id = c.tenant_id AND a.contract_id = c.id ORDER BY a.round DESC LIMIT 1) = 'returned';

-- Terminated and expired contracts can be archived too: the status they had is kept here.
ALTER TABLE contracts ADD COLUMN archived_from text CHECK (archived_from IN ('signed', 'terminated', 'expired'));
UPDATE contracts SET archived_from = 'signed' WHERE status = 'archived';

-- A signing round also ends when its deadline passes or the contract is withdrawn.
ALTER TABLE contract_signers DROP CONSTRAINT contract_signers_void_reason_check;
ALTER TABLE contract_signers ADD CONSTRAINT contract_signers_void_reason_check CHECK (void_reason IN ('declined', 'changed', 'expired', 'withdrawn'));

-- An attachment removed from a contract stays on record (who, when); it is no longer part of the contract.
ALTER TABLE contract_attachments ADD COLUMN removed_at timestamptz, ADD COLUMN removed_by uuid;

-- Number schemes: literal text and the tokens {YYYY} {YY} {MM} {type} {seq:N}; validated by the service
-- (exactly one {seq}, a year token). The counters stay one per (tenant, series, year): 'HT' contracts,
-- 'GD' archive numbers, whatever the scheme, so numbering stays gap-free across a scheme change.
ALTER TABLE contract_settings
  ADD COLUMN number_scheme text NOT NULL DEFAULT 'HT-{YYYY}-{seq:5}' CHECK (number_scheme LIKE '%{seq%' AND length(number_scheme) <= 60),
  ADD COLUMN archive_number_scheme text NOT NULL DEFAULT 'GD-{YYYY}-{seq:5}' CHECK (archive_number_scheme LIKE '%{seq%' AND length(archive_number_scheme) <= 60);
