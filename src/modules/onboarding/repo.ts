import type { Tx } from '../../platform/db/index.js';

export interface RegistrationRow {
  id: string;
  status: 'draft' | 'submitted' | 'approved' | 'rejected' | 'withdrawn' | 'expired';
  version: number;
  company_name: string | null;
  uscc: string | null;
  registered_address: string | null;
  legal_representative: string | null;
  contact_name_enc: string | null;
  contact_mobile_enc: string | null;
  contact_email_enc: string | null;
  contact_email_bidx: string | null;
  email_verified_at: Date | null;
  license_blob: string | null;
  license_name: string | null;
  license_mime: string | null;
  license_size: number | null;
  license_sha256: string | null;
  license_uploaded_at: Date | null;
  consent_version: string | null;
  consented_at: Date | null;
  submitted_at: Date | null;
  decided_at: Date | null;
  tenant_id: string | null;
  locale: string;
  created_at: Date;
  updated_at: Date;
}

export interface DecisionRow {
  id: string;
  version: number;
  decision: 'approved' | 'rejected';
  reasons: string[];
  comment: string;
  reviewer_id: string;
  reviewer_name: string | null;
  decided_at: Date;
}

/** Columns an applicant may set, by API field name. */
export const COLUMN_OF = {
  companyName: 'company_name',
  uscc: 'uscc',
  registeredAddress: 'registered_address',
  legalRepresentative: 'legal_representative',
  contactName: 'contact_name_enc',
  contactMobile: 'contact_mobile_enc',
  contactEmail: 'contact_email_enc',
} as const;

export const onboardingRepo = {
  insert(tx: Tx, id: string, cols: Record<string, unknown>, ip: string | null, locale: string) {
    const names = Object.keys(cols);
    const values = Object.values(cols);
    const all = ['id', 'created_ip', 'locale', ...names];
    return tx.execute(
      `INSERT INTO registrations (${all.join(', ')}) VALUES (${all.map((_, i) => `$${i + 1}`).join(', ')})`,
      [id, ip, locale, ...values],
    );
  },
  update(tx: Tx, id: string, cols: Record<string, unknown>) {
    const names = Object.keys(cols);
    if (!names.length) return Promise.resolve(0);
    return tx.execute(
      `UPDATE registrations SET ${names.map((n, i) => `${n} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...Object.values(cols)],
    );
  },
  get(tx: Tx, id: string, lock = false) {
    return tx.maybeOne<RegistrationRow>(`SELECT * FROM registrations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  },
  insertToken(tx: Tx, id: string, hash: Buffer, expiresAt: Date) {
    return tx.execute(`INSERT INTO registration_tokens (registration_id, token_hash, expires_at) VALUES ($1, $2, $3)`, [id, hash, expiresAt]);
  },
  /** Revokes every resume token of an application except the given ones. */
  keepOnlyTokens(tx: Tx, id: string, keep: Buffer[]) {
    return tx.execute(`DELETE FROM registration_tokens WHERE registration_id = $1 AND NOT (token_hash = ANY($2::bytea[]))`, [id, keep]);
  },
  /** Sliding expiry: a link in use lives on (never shortened). */
  extendToken(tx: Tx, id: string, hash: Buffer, until: Date) {
    return tx.execute(`UPDATE registration_tokens SET expires_at = greatest(expires_at, $3) WHERE registration_id = $1 AND token_hash = $2`, [id, hash, until]);
  },
  extendTokens(tx: Tx, id: string, until: Date) {
    return tx.execute(`UPDATE registration_tokens SET expires_at = greatest(expires_at, $2) WHERE registration_id = $1 AND expires_at > now()`, [id, until]);
  },
  /** Every live link of an application expires at `until` (after approval: read-only status for a while). */
  setTokenExpiry(tx: Tx, id: string, until: Date) {
    return tx.execute(`UPDATE registration_tokens SET expires_at = $2 WHERE registration_id = $1 AND expires_at > now()`, [id, until]);
  },
  /** Shortens the life of every resume token (after a decision or withdrawal). */
  capTokens(tx: Tx, id: string, until: Date) {
    return tx.execute(`UPDATE registration_tokens SET expires_at = least(expires_at, $2) WHERE registration_id = $1`, [id, until]);
  },
  /** Code mails sent in the last day to one address (by blind index) and for one application. */
  codeMailsSince(tx: Tx, id: string, emailBidx: string, since: Date) {
    return tx.one<{ by_address: number; by_application: number }>(
      `SELECT count(*) FILTER (WHERE details->>'email' = $2)::int AS by_address,
              count(*) FILTER (WHERE object_id = $1)::int AS by_application
         FROM audit_events
        WHERE tenant_id = '00000000-0000-0000-0000-000000000000' AND action = 'registration.email_code.send' AND occurred_at > $3`,
      [id, emailBidx, since],
    );
  },
  tokenValid(tx: Tx, id: string, hash: Buffer) {
    return tx.maybeOne(`SELECT 1 FROM registration_tokens WHERE registration_id = $1 AND token_hash = $2 AND expires_at > now()`, [id, hash]);
  },
  /** Live (submitted or approved) applications of a company, other than `exceptId`. */
  liveByUscc(tx: Tx, uscc: string, exceptId: string | null) {
    return tx.query<{ id: string; company_name: string; status: string }>(
      `SELECT id, company_name, status FROM registrations WHERE uscc = $1 AND status IN ('submitted', 'approved') AND id IS DISTINCT FROM $2`,
      [uscc, exceptId],
    );
  },
  /** Pending or approved applications with the same contact e-mail (by blind index), other than `exceptId`. */
  liveByEmail(tx: Tx, emailBidx: string, exceptId: string | null) {
    return tx.query<{ id: string; company_name: string; status: string }>(
      `SELECT id, company_name, status FROM registrations WHERE contact_email_bidx = $1 AND status IN ('submitted', 'approved') AND id IS DISTINCT FROM $2`,
      [emailBidx, exceptId],
    );
  },
  /** Every other application with the same contact e-mail that is still in play (reviewer's checks). */
  othersByEmail(tx: Tx, emailBidx: string, exceptId: string) {
    return tx.query<{ id: string; company_name: string; status: string }>(
      `SELECT id, company_name, status FROM registrations WHERE contact_email_bidx = $1 AND id <> $2 AND status IN ('submitted', 'approved', 'rejected') ORDER BY created_at`,
      [emailBidx, exceptId],
    );
  },
  /** Every other application of a company that is still in play (for the reviewer's checks). */
  othersByUscc(tx: Tx, uscc: string, exceptId: string) {
    return tx.query<{ id: string; company_name: string; status: string }>(
      `SELECT id, company_name, status FROM registrations WHERE uscc = $1 AND id <> $2 AND status NOT IN ('withdrawn', 'expired') ORDER BY created_at`,
      [uscc, exceptId],
    );
  },
  upsertCode(tx: Tx, id: string, codeHash: string, emailBidx: string, sentAt: Date, expiresAt: Date) {
    return tx.execute(
      `INSERT INTO registration_email_codes (registration_id, code_hash, email_bidx, sent_at, expires_at, attempts)
       VALUES ($1, $2, $3, $4, $5, 0)
       ON CONFLICT (registration_id) DO UPDATE SET code_hash = $2, email_bidx = $3, sent_at = $4, expires_at = $5, attempts = 0`,
      [id, codeHash, emailBidx, sentAt, expiresAt],
    );
  },
  getCode(tx: Tx, id: string) {
    return tx.maybeOne<{ code_hash: string; email_bidx: string; sent_at: Date; expires_at: Date; attempts: number }>(
      `SELECT code_hash, email_bidx, sent_at, expires_at, attempts FROM registration_email_codes WHERE registration_id = $1 FOR UPDATE`,
      [id],
    );
  },
  bumpAttempts(tx: Tx, id: string) {
    return tx.execute(`UPDATE registration_email_codes SET attempts = attempts + 1 WHERE registration_id = $1`, [id]);
  },
  deleteCode(tx: Tx, id: string) {
    return tx.execute(`DELETE FROM registration_email_codes WHERE registration_id = $1`, [id]);
  },
  insertVersion(tx: Tx, id: string, version: number, snapshotEnc: string, at: Date) {
    return tx.execute(
      `INSERT INTO registration_versions (registration_id, version, snapshot_enc, submitted_at) VALUES ($1, $2, $3, $4)`,
      [id, version, snapshotEnc, at],
    );
  },
  versions(tx: Tx, id: string) {
    return tx.query<{ version: number; snapshot_enc: string; submitted_at: Date }>(
      `SELECT version, snapshot_enc, submitted_at FROM registration_versions WHERE registration_id = $1 ORDER BY version`,
      [id],
    );
  },
  insertDecision(tx: Tx, d: { id: string; registrationId: string; version: number; decision: string; reasons: string[]; comment: string; reviewerId: string }) {
    return tx.execute(
      `INSERT INTO registration_decisions (id, registration_id, version, decision, reasons, comment, reviewer_id) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [d.id, d.registrationId, d.version, d.decision, d.reasons, d.comment, d.reviewerId],
    );
  },
  decisions(tx: Tx, id: string) {
    return tx.query<DecisionRow>(
      `SELECT d.id, d.version, d.decision, d.reasons, d.comment, d.reviewer_id, u.name AS reviewer_name, d.decided_at
         FROM registration_decisions d LEFT JOIN platform_users u ON u.id = d.reviewer_id
        WHERE d.registration_id = $1 ORDER BY d.decided_at`,
      [id],
    );
  },
  lastDecision(tx: Tx, id: string) {
    return tx.maybeOne<DecisionRow>(
      `SELECT id, version, decision, reasons, comment, reviewer_id, NULL AS reviewer_name, decided_at
         FROM registration_decisions WHERE registration_id = $1 ORDER BY decided_at DESC LIMIT 1`,
      [id],
    );
  },
  list(tx: Tx, f: { status: string | null; q: string | null; limit: number; offset: number }) {
    return tx.query<RegistrationRow & { total: number }>(
      `SELECT *, count(*) OVER ()::int AS total FROM registrations
        WHERE version > 0 AND ($1::text IS NULL OR status = $1)
          AND ($2::text IS NULL OR company_name ILIKE '%' || $2 || '%' OR uscc = upper($2))
        ORDER BY CASE WHEN status = 'submitted' THEN submitted_at END ASC NULLS LAST, updated_at DESC
        LIMIT $3 OFFSET $4`,
      [f.status, f.q, f.limit, f.offset],
    );
  },
  staleDrafts(tx: Tx, before: Date) {
    return tx.query<{ id: string; license_blob: string | null }>(
      `SELECT id, license_blob FROM registrations WHERE status = 'draft' AND updated_at < $1 FOR UPDATE SKIP LOCKED`,
      [before],
    );
  },
  expire(tx: Tx, id: string) {
    // Expired drafts keep no personal data.
    return tx.execute(
      `UPDATE registrations SET status = 'expired', contact_name_enc = NULL, contact_mobile_enc = NULL, contact_email_enc = NULL,
              contact_email_bidx = NULL, license_blob = NULL, updated_at = now() WHERE id = $1`,
      [id],
    );
  },
};
