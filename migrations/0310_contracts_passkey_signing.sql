-- Passkey signing (Electronic Signature Law art. 13: signature creation data under the signer's control).
-- The pending challenge (single use, with the payload it binds: document hash, contract, version, signer,
-- user, time) and, once signed, the credential and the assertion evidence (verifiable later with the
-- stored public key).
ALTER TABLE contract_signers ADD COLUMN passkey_challenge text;
ALTER TABLE contract_signers ADD COLUMN passkey_payload jsonb;
ALTER TABLE contract_signers ADD COLUMN passkey_challenge_expires_at timestamptz;
ALTER TABLE contract_signers ADD COLUMN credential_id text;
ALTER TABLE contract_signers ADD COLUMN signature_evidence jsonb;
