-- Signing flow: decline, void on change, reminders; overdue approval reminders.
-- A declined or voided signer row is kept (voided_at set), never deleted; the next round gets new rows.
ALTER TABLE contract_signers DROP CONSTRAINT contract_signers_status_check;
ALTER TABLE contract_signers ADD CONSTRAINT contract_signers_status_check CHECK (status IN ('pending', 'signed', 'declined'));
ALTER TABLE contract_signers
  ADD COLUMN voided_at timestamptz,
  ADD COLUMN void_reason text CHECK (void_reason IN ('declined', 'changed')),
  ADD COLUMN declined_at timestamptz,
  ADD COLUMN decline_reason text,
  ADD COLUMN turn_opened_at timestamptz,
  ADD COLUMN reminders_sent int NOT NULL DEFAULT 0,
  ADD COLUMN last_reminded_at timestamptz,
  ADD COLUMN token_enc text;
ALTER TABLE contract_signers ADD CONSTRAINT contract_signers_void CHECK ((voided_at IS NULL) = (void_reason IS NULL));

ALTER TABLE contract_approvals
  ADD COLUMN step_started_at timestamptz,
  ADD COLUMN overdue_reminded_on date;

ALTER TABLE contract_settings
  ADD COLUMN signing_reminder_days int NOT NULL DEFAULT 2 CHECK (signing_reminder_days BETWEEN 1 AND 30),
  ADD COLUMN signing_reminder_max int NOT NULL DEFAULT 3 CHECK (signing_reminder_max BETWEEN 0 AND 20),
  ADD COLUMN approval_overdue_days int NOT NULL DEFAULT 2 CHECK (approval_overdue_days BETWEEN 1 AND 60);
