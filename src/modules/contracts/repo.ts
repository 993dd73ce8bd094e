import type { Tx } from '../../platform/db/index.js';

/** SQL of the contracts module. Every query runs in a tenant transaction (RLS shows one tenant). */

export interface ContractRow {
  tenant_id: string;
  id: string;
  number: string;
  title: string;
  type: string;
  counterparties: Array<{ name: string; uscc: string; contact?: Record<string, string>; role?: string }>;
  amount_fen: number | string | null;
  currency: string;
  signing_date: string | null;
  start_date: string | null;
  end_date: string | null;
  auto_renew: boolean;
  sensitivity: string;
  owner_id: string;
  department_id: string | null;
  status: string;
  tags: string[];
  custom_fields: Record<string, unknown>;
  retention_until: string | null;
  archive_number: string | null;
  archived_at: Date | null;
  /** The status a contract had when it was archived (signed, terminated or expired). */
  archived_from?: string | null;
  template_id: string | null;
  current_version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const COLS = `tenant_id, id, number, title, type, counterparties, amount_fen, currency, signing_date::text AS signing_date,
  start_date::text AS start_date, end_date::text AS end_date, auto_renew, sensitivity, owner_id, department_id, status, tags,
  custom_fields, retention_until::text AS retention_until, archive_number, archived_at, archived_from, template_id, current_version, created_by,
  created_at, updated_at`;

export interface UserRow {
  id: string;
  email: string;
  name: string;
  roles: string[];
}

export const repo = {
  /** Next number of a series for the year; the counter row is locked until the transaction ends. */
  async nextNumber(tx: Tx, tenantId: string, series: 'HT' | 'GD', year: number): Promise<number> {
    const r = await tx.one<{ last_seq: number }>(
      `INSERT INTO contract_counters (tenant_id, series, year, last_seq) VALUES ($1, $2, $3, 1)
       ON CONFLICT (tenant_id, series, year) DO UPDATE SET last_seq = contract_counters.last_seq + 1
       RETURNING last_seq`,
      [tenantId, series, year],
    );
    return Number(r.last_seq);
  },

  async insertContract(tx: Tx, c: Omit<ContractRow, 'created_at' | 'updated_at' | 'archived_at' | 'archived_from' | 'archive_number' | 'retention_until' | 'current_version'> & { search_text: string; body_grams: string[] }) {
    await tx.execute(
      `INSERT INTO contracts (tenant_id, id, number, title, type, counterparties, amount_fen, currency, signing_date, start_date, end_date,
         auto_renew, sensitivity, owner_id, department_id, status, tags, custom_fields, template_id, search_text, body_grams, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
      [
        c.tenant_id, c.id, c.number, c.title, c.type, JSON.stringify(c.counterparties), c.amount_fen, c.currency, c.signing_date,
        c.start_date, c.end_date, c.auto_renew, c.sensitivity, c.owner_id, c.department_id, c.status, c.tags,
        JSON.stringify(c.custom_fields), c.template_id, c.search_text, c.body_grams, c.created_by,
      ],
    );
  },

  async get(tx: Tx, id: string, opts: { lock?: boolean } = {}): Promise<ContractRow | undefined> {
    return tx.maybeOne<ContractRow>(`SELECT ${COLS} FROM contracts WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [id]);
  },

  async updateFields(tx: Tx, id: string, set: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(set);
    if (!keys.length) return;
    const assigns = keys.map((k, i) => `${k} = $${i + 2}`).join(', ');
    await tx.execute(`UPDATE contracts SET ${assigns}, updated_at = now() WHERE id = $1`, [id, ...keys.map((k) => set[k])]);
  },

  async insertVersion(tx: Tx, v: { tenantId: string; contractId: string; version: number; bodyEnc: string; sha256: string; source: string; note: string | null; userId: string; metaEnc?: string | null }) {
    await tx.execute(
      `INSERT INTO contract_versions (tenant_id, contract_id, version, body_enc, body_sha256, source, note, created_by, meta_enc)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [v.tenantId, v.contractId, v.version, v.bodyEnc, v.sha256, v.source, v.note, v.userId, v.metaEnc ?? null],
    );
  },

  async versions(tx: Tx, contractId: string) {
    return tx.query<{ version: number; body_sha256: string; source: string; note: string | null; created_by: string; created_at: Date; author: string | null }>(
      `SELECT v.version, v.body_sha256, v.source, v.note, v.created_by, v.created_at, u.name AS author
         FROM contract_versions v LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.created_by
        WHERE v.contract_id = $1 ORDER BY v.version DESC`,
      [contractId],
    );
  },

  async versionBody(tx: Tx, contractId: string, version: number) {
    return tx.maybeOne<{ body_enc: string; body_sha256: string }>(
      `SELECT body_enc, body_sha256 FROM contract_versions WHERE contract_id = $1 AND version = $2`,
      [contractId, version],
    );
  },

  async list(tx: Tx, f: {
    q?: string; tokens?: string[]; status?: string; type?: string; party?: string; minAmountFen?: number; maxAmountFen?: number;
    from?: string; to?: string; tag?: string; fieldKey?: string; fieldValue?: string; limit: number; offset: number; noTotal?: boolean;
  }) {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.q) {
      const like = p(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      where.push(f.tokens?.length ? `(search_text ILIKE ${like} OR body_grams @> ${p(f.tokens)}::text[])` : `search_text ILIKE ${like}`);
    }
    if (f.status) where.push(`status = ${p(f.status)}`);
    if (f.type) where.push(`type = ${p(f.type)}`);
    if (f.party) where.push(`EXISTS (SELECT 1 FROM jsonb_array_elements(counterparties) cp WHERE cp->>'name' ILIKE ${p(`%${f.party}%`)} OR cp->>'uscc' = upper(${p(f.party)}))`);
    if (f.minAmountFen !== undefined) where.push(`amount_fen >= ${p(f.minAmountFen)}`);
    if (f.maxAmountFen !== undefined) where.push(`amount_fen <= ${p(f.maxAmountFen)}`);
    if (f.from) where.push(`signing_date >= ${p(f.from)}::date`);
    if (f.to) where.push(`signing_date <= ${p(f.to)}::date`);
    if (f.tag) where.push(`tags @> ARRAY[${p(f.tag)}]::text[]`);
    if (f.fieldKey && f.fieldValue !== undefined) where.push(`custom_fields ->> ${p(f.fieldKey)} = ${p(f.fieldValue)}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = await tx.query<ContractRow>(
      `SELECT ${COLS} FROM contracts ${w} ORDER BY updated_at DESC, id LIMIT ${p(f.limit)} OFFSET ${p(f.offset)}`,
      params,
    );
    if (f.noTotal) return { rows, total: -1 };
    const total = await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM contracts ${w}`, params.slice(0, params.length - 2));
    return { rows, total: Number(total.n) };
  },

  // ---------------------------------------------------------------- templates
  async insertTemplate(tx: Tx, t: { tenantId: string; id: string; name: string; type: string; variables: unknown; body: string; userId: string }) {
    await tx.execute(
      `INSERT INTO contract_templates (tenant_id, id, name, type, variables, body, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [t.tenantId, t.id, t.name, t.type, JSON.stringify(t.variables), t.body, t.userId],
    );
  },
  async templates(tx: Tx) {
    return tx.query<{ id: string; name: string; type: string; variables: unknown; body: string; created_at: Date }>(
      `SELECT id, name, type, variables, body, created_at FROM contract_templates ORDER BY name`,
    );
  },
  async template(tx: Tx, id: string) {
    return tx.maybeOne<{ id: string; name: string; type: string; variables: Array<{ name: string; type: 'text' | 'date' | 'amount' | 'party' }>; body: string }>(
      `SELECT id, name, type, variables, body FROM contract_templates WHERE id = $1`,
      [id],
    );
  },

  // ---------------------------------------------------------------- attachments
  async insertAttachment(tx: Tx, a: { tenantId: string; id: string; contractId: string; filename: string; mime: string; size: number; sha256: string; blobId: string; kind: string; userId: string | null }) {
    await tx.execute(
      `INSERT INTO contract_attachments (tenant_id, id, contract_id, filename, mime, size_bytes, sha256, blob_id, kind, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [a.tenantId, a.id, a.contractId, a.filename, a.mime, a.size, a.sha256, a.blobId, a.kind, a.userId],
    );
  },
  async attachments(tx: Tx, contractId: string) {
    return tx.query<{ id: string; filename: string; mime: string; size_bytes: number; sha256: string; kind: string; created_at: Date }>(
      `SELECT id, filename, mime, size_bytes, sha256, kind, created_at FROM contract_attachments WHERE contract_id = $1 AND removed_at IS NULL ORDER BY created_at`,
      [contractId],
    );
  },
  async attachment(tx: Tx, contractId: string, id: string) {
    return tx.maybeOne<{ id: string; filename: string; mime: string; sha256: string; blob_id: string; kind: string }>(
      `SELECT id, filename, mime, sha256, blob_id, kind FROM contract_attachments WHERE contract_id = $1 AND id = $2 AND removed_at IS NULL`,
      [contractId, id],
    );
  },

  // ---------------------------------------------------------------- users and settings
  async users(tx: Tx): Promise<UserRow[]> {
    return tx.query<UserRow>(`SELECT id, email, name, roles FROM users WHERE status = 'active'`);
  },
  async user(tx: Tx, id: string): Promise<UserRow | undefined> {
    return tx.maybeOne<UserRow>(`SELECT id, email, name, roles FROM users WHERE id = $1 AND status = 'active'`, [id]);
  },
  async settings(tx: Tx) {
    const r = await tx.maybeOne<{ watermark_downloads: boolean; retention_years: number; signing_reminder_days: number; signing_reminder_max: number; approval_overdue_days: number }>(
      `SELECT watermark_downloads, retention_years, signing_reminder_days, signing_reminder_max, approval_overdue_days FROM contract_settings`,
    );
    return {
      watermarkDownloads: r?.watermark_downloads ?? false,
      retentionYears: r?.retention_years ?? 10,
      signingReminderDays: r?.signing_reminder_days ?? 2,
      signingReminderMax: r?.signing_reminder_max ?? 3,
      approvalOverdueDays: r?.approval_overdue_days ?? 2,
    };
  },
  async saveSettings(tx: Tx, tenantId: string, s: { watermarkDownloads: boolean; retentionYears: number; signingReminderDays: number; signingReminderMax: number; approvalOverdueDays: number }) {
    await tx.execute(
      `INSERT INTO contract_settings (tenant_id, watermark_downloads, retention_years, signing_reminder_days, signing_reminder_max, approval_overdue_days) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id) DO UPDATE SET watermark_downloads = $2, retention_years = $3, signing_reminder_days = $4, signing_reminder_max = $5, approval_overdue_days = $6, updated_at = now()`,
      [tenantId, s.watermarkDownloads, s.retentionYears, s.signingReminderDays, s.signingReminderMax, s.approvalOverdueDays],
    );
  },
  /** The tenant's number schemes (contract and archive numbers), see numbering.ts. */
  async numbering(tx: Tx) {
    const r = await tx.maybeOne<{ number_scheme: string; archive_number_scheme: string }>(`SELECT number_scheme, archive_number_scheme FROM contract_settings`);
    return { numberScheme: r?.number_scheme ?? 'HT-{YYYY}-{seq:5}', archiveNumberScheme: r?.archive_number_scheme ?? 'GD-{YYYY}-{seq:5}' };
  },
  async saveNumbering(tx: Tx, tenantId: string, s: { numberScheme: string; archiveNumberScheme: string }) {
    await tx.execute(
      `INSERT INTO contract_settings (tenant_id, number_scheme, archive_number_scheme) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET number_scheme = $2, archive_number_scheme = $3, updated_at = now()`,
      [tenantId, s.numberScheme, s.archiveNumberScheme],
    );
  },
  /** The tenant's time zone (dates in messages are shown in it). */
  async timeZone(tx: Tx, tenantId: string): Promise<string> {
    const r = await tx.maybeOne<{ time_zone: string | null }>(`SELECT time_zone FROM tenants WHERE id = $1`, [tenantId]);
    return r?.time_zone ?? 'Asia/Shanghai';
  },
  /** Expiry reminder thresholds (days before the end date, largest first); default 90/30/7. */
  async expiryDays(tx: Tx): Promise<number[]> {
    const r = await tx.maybeOne<{ d: number[] }>(`SELECT expiry_reminder_days AS d FROM contract_settings`);
    return (r?.d ?? [90, 30, 7]).map(Number).sort((a, b) => b - a);
  },
  async saveExpiryDays(tx: Tx, tenantId: string, days: number[]) {
    await tx.execute(
      `INSERT INTO contract_settings (tenant_id, expiry_reminder_days) VALUES ($1, $2::int[])
       ON CONFLICT (tenant_id) DO UPDATE SET expiry_reminder_days = $2::int[], updated_at = now()`,
      [tenantId, days],
    );
  },
  async followers(tx: Tx, contractId: string) {
    return tx.query<{ user_id: string; name: string; email: string }>(
      `SELECT f.user_id, u.name, u.email FROM contract_followers f JOIN users u ON u.tenant_id = f.tenant_id AND u.id = f.user_id
        WHERE f.contract_id = $1 AND u.status = 'active' ORDER BY f.created_at`,
      [contractId],
    );
  },
  async notify(tx: Tx, n: { tenantId: string; id: string; userId: string; kind: string; contractId: string | null; params: Record<string, unknown> }) {
    await tx.execute(
      `INSERT INTO contract_notifications (tenant_id, id, user_id, kind, contract_id, params) VALUES ($1,$2,$3,$4,$5,$6)`,
      [n.tenantId, n.id, n.userId, n.kind, n.contractId, JSON.stringify(n.params)],
    );
  },

  async auditTrail(tx: Tx, contractId: string) {
    return tx.query<{ occurred_at: Date; action: string; actor_kind: string; actor_label: string | null; ip: string | null; user_agent: string | null; outcome: string; details: Record<string, unknown> }>(
      `SELECT occurred_at, action, actor_kind, actor_label, ip, user_agent, outcome, details FROM audit_events
        WHERE object_type = 'contract' AND object_id = $1 ORDER BY seq`,
      [contractId],
    );
  },
};
