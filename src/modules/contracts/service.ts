import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, conflict, fieldError } from '../../platform/http/errors.js';
import { randomDigits, randomToken, sha256, timingSafeEqualStr } from '../../platform/crypto.js';
import { sniffUpload } from '../../platform/files.js';
import { simpleHtml } from '../../platform/mail.js';
import { MAX_UPLOAD_BYTES } from '../../platform/http/app.js';
import { actorOf, type Auth, type SecurityService } from '../security/service.js';
import type { AuthenticationResponseJSON } from '../security/webauthn.js';
import { assertMayApprove, mayApprove } from './policy.js';
import type { AccessService } from '../access/service.js';
import type { Permission } from '../access/catalog.js';
import { levelRank } from '../access/catalog.js';
import { denialParams } from '../access/policy.js';
import { repo, type ContractRow, type UserRow } from './repo.js';
import { APPROVED_STATES, assertTransition, EDITABLE, type ContractStatus } from './status.js';
import { renderNumber } from './numbering.js';
import { signingNotice, type SigningEvent } from './notices.js';
import { diffBodies, extractText, gramTokens, grams, hasSearchChars, normalizeBody, queryGrams, renderTemplate, type TemplateVariable } from './text.js';
import { checkPdfSignature, loadSealCert, renderContractPdf, sealPdf, watermarkPdf } from './seal.js';
import type { CreateContract, ListQuery, UpdateContract, WorkflowStep } from './schema.js';
import { auditChanges, checkCustomFields, checkTemplate, metaChanges, metaOf, type ContractMeta, type CustomValues, type FieldDefinition } from './fields.js';

export const ATTACHMENT_TYPES = [
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'image/jpeg',
  'image/png',
] as const;
const IMPORT_TYPES = ['application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'] as const;

const CODE_TTL_MS = 10 * 60 * 1000;
const CODE_ATTEMPTS = 5;

export interface Upload {
  stream: Readable;
  filename: string;
}

interface ResolvedStep {
  name: string;
  mode: 'any' | 'all';
  approvers: string[];
}

/** YYYY-MM-DD of `d` in the time zone. */
export function dayIn(tz: string, d: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** The instant a day (YYYY-MM-DD) ends in the time zone (= the next day's 00:00 there). */
export function endOfDayIn(tz: string, day: string): Date {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  const guess = next.getTime();
  const offsetOf = (t: number) => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  };
  return new Date(guess - offsetOf(guess - offsetOf(guess)));
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const codeHash = (signerId: string, code: string) => sha256(`${signerId}:${code}`).toString('hex');

function view(r: ContractRow) {
  return {
    id: r.id,
    number: r.number,
    // The versioned metadata (title, type, parties, amount, dates, sensitivity, department, tags, custom fields).
    ...metaOf(r),
    ownerId: r.owner_id,
    status: r.status,
    retentionUntil: r.retention_until,
    archiveNumber: r.archive_number,
    archivedAt: r.archived_at,
    archivedFrom: r.archived_from ?? null,
    templateId: r.template_id,
    currentVersion: r.current_version,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
export type ContractView = ReturnType<typeof view>;

function searchText(c: { number: string; title: string; type: string; counterparties: Array<{ name: string; uscc: string }>; tags: string[] }): string {
  return [c.number, c.title, c.type, ...c.counterparties.flatMap((p) => [p.name, p.uscc]), ...c.tags].join(' ');
}

/** What contracts use of the access module (wired in src/app.ts). */
type Scope = Awaited<ReturnType<AccessService['applyDataScope']>>;

export type ContractsAccess = Pick<AccessService, 'checkTx' | 'applyDataScope' | 'applySystemScope' | 'recordDenial' | 'usersWithPermission' | 'departmentHead'>;

/** What contracts use of the security module: the signer's passkeys (wired in src/app.ts). */
export type ContractsPasskeys = Pick<SecurityService, 'passkeyOptionsTx' | 'verifyPasskeyTx' | 'hasPasskeyTx'>;

const PASSKEY_CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** JSON with keys sorted at every level: the exact bytes whose SHA-256 is the passkey challenge. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** 404 `contract_not_found` that remembers which id was asked for (see recordHiddenProbe); rendered like any AppError. */
class ContractNotFound extends AppError {
  constructor(readonly contractId: string) {
    super(404, 'contract_not_found');
  }
}

/** The schemes with an example of the first number this year (the counter itself is not touched). */
function numberingView(n: { numberScheme: string; archiveNumberScheme: string }, day: string) {
  return { ...n, numberExample: renderNumber(n.numberScheme, { day, seq: 1, type: '采购合同' }), archiveNumberExample: renderNumber(n.archiveNumberScheme, { day, seq: 1, type: '采购合同' }) };
}

export function contractsService(ctx: AppContext, access: ContractsAccess, passkeys: ContractsPasskeys) {
  const { db, keys } = ctx;
  const tz = (auth: Auth) => auth.tenant?.timeZone ?? 'Asia/Shanghai';
  const tenantOf = (auth: Auth) => {
    if (!auth.tenant || auth.user.kind !== 'tenant') throw new AppError(403, 'forbidden');
    return auth.tenant.id;
  };

  async function load(tx: Tx, id: string, lock = false): Promise<ContractRow> {
    const c = await repo.get(tx, id, { lock });
    if (!c) throw new ContractNotFound(id);
    return c;
  }

  /**
   * A direct-id read that found nothing under the caller's data scope: the answer stays 404 (existence is
   * not disclosed), but when the contract exists (checked with the audited system scope in a separate
   * transaction, done for every such 404 so that both cases cost the same) the probe is recorded as a
   * denial (`level_or_scope`, the contract's level, its id), which feeds the over-reach report and alerts.
   */
  async function recordHiddenProbe(auth: Auth, contractId: string, meta: RequestMeta): Promise<void> {
    const tenantId = tenantOf(auth);
    const hidden = await db.tenant(tenantId, async (tx) => {
      await access.applySystemScope(tx, tenantId, 'denial.existence_check', contractId);
      return tx.maybeOne<{ sensitivity: string }>(`SELECT sensitivity FROM contracts WHERE id = $1`, [contractId]);
    });
    if (hidden) await access.recordDenial(auth, { level: hidden.sensitivity, reason: 'level_or_scope', objectType: 'contract', objectId: contractId }, meta);
  }

  async function rec(tx: Tx, auth: Auth | null, tenantId: string, action: string, c: { id: string } | null, meta: RequestMeta, details: Record<string, unknown> = {}, actor?: Actor) {
    await audit.record(tx, {
      tenantId,
      actor: actor ?? (auth ? actorOf(auth) : { kind: 'system' }),
      action,
      objectType: c ? 'contract' : null,
      objectId: c?.id ?? null,
      details,
      meta,
    });
  }

  /**
   * A tenant transaction for a signed-in user: the permission is decided by the access module from the
   * database (roles ∩ entitled modules ∩ tenant state), then the user's data scope is applied, so that
   * every contract row (and child row) above their clearance or outside their scope is invisible.
   * Refusals are recorded (denials + audit) in their own transaction, since this one rolls back.
   */
  async function run<T>(auth: Auth, perm: Permission, contractId: string | null, meta: RequestMeta, fn: (tx: Tx, scope: Scope) => Promise<T>): Promise<T> {
    const tenantId = tenantOf(auth);
    try {
      return await db.tenant(tenantId, async (tx) => {
        const d = await access.checkTx(tx, auth, perm);
        if (!d.allowed) throw new AppError(403, d.reason, denialParams(d, perm));
        return fn(tx, await access.applyDataScope(tx, auth));
      });
    } catch (err) {
      if (err instanceof AppError && err.status === 403) {
        await access.recordDenial(auth, { permission: perm, reason: err.code, objectType: 'contract', objectId: contractId }, meta);
      }
      if (err instanceof ContractNotFound) {
        // Recording must never change the answer (still the 404).
        await recordHiddenProbe(auth, err.contractId, meta).catch((e: unknown) => ctx.log.error({ err: e, contractId: err.contractId }, 'recording a hidden-contract probe failed'));
      }
      const level = err instanceof AppError ? err.errors.find((e) => e.code === 'level_above_clearance') : undefined;
      if (level) {
        await access.recordDenial(auth, { level: String(level.params?.level), reason: 'level_above_clearance', objectType: 'contract', objectId: contractId }, meta);
      }
      throw err;
    }
  }

  /** A sensitivity above the user's clearance (capped by the tenant tier) is refused (422 on `sensitivity`) before any write. */
  function assertLevel(scope: Scope, level: string) {
    if (levelRank(level) > levelRank(scope.clearance)) throw fieldError('sensitivity', 'level_above_clearance', { level, clearance: scope.clearance });
  }

  async function saveVersion(tx: Tx, auth: Auth, c: { id: string }, version: number, body: string, source: string, note: string | null, meta?: ContractMeta) {
    const tenantId = tenantOf(auth);
    // The metadata snapshot is taken after the save (the contract row as it now is), unless given.
    const snapshot = meta ?? metaOf(await load(tx, c.id));
    await repo.insertVersion(tx, {
      tenantId,
      contractId: c.id,
      version,
      bodyEnc: await keys.encryptText(tx, { tenantId }, body),
      sha256: sha256(body).toString('hex'),
      source,
      note,
      userId: auth.user.id,
      metaEnc: await keys.encryptText(tx, { tenantId }, JSON.stringify(snapshot)),
    });
  }

  /** The metadata snapshot of a version (null for versions saved before snapshots existed). */
  async function metaOfVersion(tx: Tx, tenantId: string, contractId: string, version: number): Promise<ContractMeta | null> {
    const r = await tx.maybeOne<{ meta_enc: string | null }>(`SELECT meta_enc FROM contract_versions WHERE contract_id = $1 AND version = $2`, [contractId, version]);
    if (!r?.meta_enc) return null;
    return JSON.parse(await keys.decryptText(tx, { tenantId }, r.meta_enc)) as ContractMeta;
  }

  async function fieldDefs(tx: Tx): Promise<FieldDefinition[]> {
    const rows = await tx.query<{ key: string; label_zh: string; label_en: string; type: FieldDefinition['type']; required: boolean; options: string[] }>(
      `SELECT key, label_zh, label_en, type, required, options FROM contract_field_definitions ORDER BY position, key`,
    );
    return rows.map((r) => ({ key: r.key, labelZh: r.label_zh, labelEn: r.label_en, type: r.type, required: r.required, options: r.options }));
  }

  async function bodyOf(tx: Tx, tenantId: string, contractId: string, version: number): Promise<string> {
    const v = await repo.versionBody(tx, contractId, version);
    if (!v) throw new AppError(404, 'version_not_found');
    return keys.decryptText(tx, { tenantId }, v.body_enc);
  }

  async function notifyUsers(tx: Tx, tenantId: string, users: UserRow[], kind: string, c: ContractRow, mail: { subject: string; lines: string[] }, params: Record<string, unknown> = {}) {
    for (const u of users) {
      await repo.notify(tx, { tenantId, id: crypto.randomUUID(), userId: u.id, kind, contractId: c.id, params: { number: c.number, title: c.title, ...params } });
      const link = `${ctx.config.publicUrl}/tenant/contracts/${c.id}`;
      tx.afterCommit(() =>
        ctx.mailer.send({
          to: u.email,
          tenantId,
          subject: mail.subject,
          text: [...mail.lines, link].join('\n\n'),
          html: simpleHtml(mail.subject, mail.lines, { href: link, label: '打开合同 / Open the contract' }),
        }),
      );
    }
  }

  /**
   * Whether a user may still see a contract now (contracts.view, and their clearance/scope through the same
   * RLS policy a request of theirs would meet). Used by the system-scoped reminder job before it writes to a
   * follower; the job's system scope is restored afterwards.
   */
  async function userMaySee(tx: Tx, tenantId: string, userId: string, contractId: string, viewers: Set<string>): Promise<boolean> {
    if (!viewers.has(userId)) return false;
    let visible = false;
    try {
      await access.applyDataScope(tx, { user: { id: userId, kind: 'tenant' }, tenant: { id: tenantId } } as Auth);
      visible = !!(await tx.maybeOne(`SELECT 1 FROM contracts WHERE id = $1`, [contractId]));
    } catch {
      visible = false;
    } finally {
      await tx.query(
        `SELECT set_config('app.user_id', '', true), set_config('app.clearance', 'restricted', true), set_config('app.scope', 'tenant', true), set_config('app.department_ids', '', true)`,
      );
    }
    return visible;
  }

  async function followState(tx: Tx, contractId: string, userId: string) {
    const followers = await repo.followers(tx, contractId);
    return { following: followers.some((f) => f.user_id === userId), followers: followers.map((f) => ({ userId: f.user_id, name: f.name })) };
  }

  // ------------------------------------------------------------------ approval workflow
  async function resolveSteps(tx: Tx, c: ContractRow, submitter: string): Promise<ResolvedStep[]> {
    const wf = await tx.maybeOne<{ steps: WorkflowStep[] }>(`SELECT steps FROM approval_workflows WHERE active`);
    const steps: WorkflowStep[] = wf?.steps ?? [{ name: '审批', approver: { kind: 'role', role: 'approver' }, mode: 'any' }];
    const tenantId = c.tenant_id;
    const approvers = await access.usersWithPermission(tx, tenantId, 'contracts.approve');
    const amount = c.amount_fen === null ? null : Number(c.amount_fen);
    const out: ResolvedStep[] = [];
    for (const s of steps) {
      const w = s.when;
      if (w) {
        if (w.minAmountFen !== undefined && (amount === null || amount <= w.minAmountFen)) continue;
        if (w.types && !w.types.includes(c.type)) continue;
        if (w.sensitivities && !w.sensitivities.includes(c.sensitivity as never)) continue;
      }
      let ids: string[] = [];
      if (s.approver.kind === 'role') {
        ids = await access.usersWithPermission(tx, tenantId, 'contracts.approve', s.approver.role);
      } else if (s.approver.kind === 'user') {
        ids = [s.approver.userId];
      } else if (c.department_id) {
        const head = await access.departmentHead(tx, tenantId, c.department_id);
        ids = head ? [head] : [];
      }
      // Separation of duties: the drafter, the owner and whoever submitted this version (e.g. the
      // editor of an approved contract) never approve it; approvers need contracts.approve now.
      ids = ids.filter((id) => mayApprove(id, c) && id !== submitter && approvers.includes(id));
      if (!ids.length) throw conflict('approval_no_approvers', { step: s.name });
      out.push({ name: s.name, mode: s.mode ?? 'any', approvers: ids });
    }
    return out;
  }

  async function startRound(tx: Tx, auth: Auth, c: ContractRow, meta: RequestMeta) {
    const tenantId = tenantOf(auth);
    const steps = await resolveSteps(tx, c, auth.user.id);
    await tx.execute(`UPDATE contract_approvals SET status = 'superseded', decided_at = now() WHERE contract_id = $1 AND status = 'pending'`, [c.id]);
    const round = (await tx.one<{ n: number }>(`SELECT coalesce(max(round), 0)::int AS n FROM contract_approvals WHERE contract_id = $1`, [c.id])).n + 1;
    const approvalId = crypto.randomUUID();
    await tx.execute(
      `INSERT INTO contract_approvals (tenant_id, id, contract_id, round, version, steps, submitted_by) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [tenantId, approvalId, c.id, round, c.current_version, JSON.stringify(steps), auth.user.id],
    );
    await repo.updateFields(tx, c.id, { status: 'in_approval' });
    await rec(tx, auth, tenantId, 'contract.submit', c, meta, { round, version: c.current_version, steps: steps.map((s) => s.name), from: c.status });
    await notifyStep(tx, tenantId, c, steps[0]!);
  }

  async function notifyStep(tx: Tx, tenantId: string, c: ContractRow, step: ResolvedStep) {
    const users = (await repo.users(tx)).filter((u) => step.approvers.includes(u.id));
    await notifyUsers(tx, tenantId, users, 'approval_requested', c, {
      subject: `待审批 / Approval requested: ${c.number} ${c.title}`,
      lines: [`合同“${c.title}”（${c.number}）等待您审批（${step.name}）。`, `The contract "${c.title}" (${c.number}) awaits your approval (${step.name}).`],
    });
  }

  // ------------------------------------------------------------------ signing
  async function currentSigningStep(tx: Tx, contractId: string): Promise<number | null> {
    const r = await tx.one<{ step: number | null }>(`SELECT min(step) AS step FROM contract_signers WHERE contract_id = $1 AND status = 'pending' AND voided_at IS NULL`, [contractId]);
    return r.step === null ? null : Number(r.step);
  }

  async function openStep(tx: Tx, tenantId: string, c: ContractRow, step: number, deadline: Date, event: SigningEvent = 'invitation') {
    const signers = await tx.query<{ id: string; kind: string; user_id: string | null; name: string; email: string }>(
      `SELECT id, kind, user_id, name, email FROM contract_signers WHERE contract_id = $1 AND step = $2 AND status = 'pending' AND voided_at IS NULL`,
      [c.id, step],
    );
    for (const s of signers) {
      let link: string | undefined;
      if (s.kind === 'counterparty') {
        const token = `${tenantId}.${randomToken(24)}`;
        await tx.execute(`UPDATE contract_signers SET token_hash = $2, link_expires_at = $3, token_enc = $4, turn_opened_at = $5 WHERE id = $1`, [
          s.id, sha256(token).toString('hex'), deadline, await keys.encryptText(tx, { tenantId }, token), ctx.now(),
        ]);
        link = `${ctx.config.publicUrl}/sign/${encodeURIComponent(token)}`;
      } else {
        await tx.execute(`UPDATE contract_signers SET turn_opened_at = $2 WHERE id = $1`, [s.id, ctx.now()]);
      }
      await signingNotify(tx, tenantId, c.id, event, [{ userId: s.user_id, email: s.email, name: s.name, link, signerId: s.id }]);
    }
  }

  type Recipient = { userId: string | null; email: string; name: string; link?: string; signerId?: string; attachment?: { filename: string; content: Buffer; contentType: string } };

  /**
   * Sends one signing-flow message per recipient, produced by `signingNotice` from the contract's
   * current state (re-read here) and the addressed signer's state: a message that does not fit the
   * state is not sent. Internal users: in-app notification + mail; counterparties: mail. After commit.
   */
  async function signingNotify(tx: Tx, tenantId: string, contractId: string, event: SigningEvent, to: Recipient[], extra: { reason?: string; by?: string; deadline?: string } = {}): Promise<number> {
    const c = await load(tx, contractId);
    const current = await currentSigningStep(tx, contractId);
    const seen = new Set<string>();
    let sent = 0;
    for (const r of to) {
      if (seen.has(r.email.toLowerCase())) continue;
      seen.add(r.email.toLowerCase());
      let signer: { status: string; voided: boolean; currentStep: boolean; linkExpiresAt: Date | null } | undefined;
      let deadline: string | undefined;
      if (r.signerId) {
        const row = await tx.one<{ status: string; voided_at: Date | null; step: number; link_expires_at: Date | null }>(
          `SELECT status, voided_at, step, link_expires_at FROM contract_signers WHERE id = $1`,
          [r.signerId],
        );
        signer = { status: row.status, voided: row.voided_at !== null, currentStep: current === Number(row.step), linkExpiresAt: row.link_expires_at };
        if (row.link_expires_at) deadline = await deadlineDay(tx, tenantId, row.link_expires_at);
      }
      const n = signingNotice({ event, contract: c, signer, now: ctx.now(), name: r.name, ...extra, deadline: deadline ?? extra.deadline });
      if (!n) continue;
      sent++;
      if (r.userId) {
        const u = await repo.user(tx, r.userId);
        if (u) await notifyUsers(tx, tenantId, [u], n.kind, c, n);
        continue;
      }
      const link = r.link;
      const lines = r.attachment ? [...n.lines, `附件为已盖章的合同 PDF（${r.attachment.filename}），可在 ${ctx.config.publicUrl}/verify 验证。`, `The sealed contract PDF is attached (${r.attachment.filename}); verify it at ${ctx.config.publicUrl}/verify.`] : n.lines;
      const attachments = r.attachment ? [r.attachment] : undefined;
      tx.afterCommit(() =>
        ctx.mailer.send({
          to: r.email,
          tenantId,
          subject: n.subject,
          text: [...lines, ...(link ? [link] : [])].join('\n\n'),
          html: simpleHtml(n.subject, lines, link ? { href: link, label: '签署 / Sign' } : undefined),
          attachments,
        }),
      );
    }
    return sent;
  }

  /**
   * Ends the current signing round: its signer rows are kept as a record (voided_at, reason), their
   * links answer 410 from now on, and fresh pending rows (same steps and people, no link yet) form the
   * next round. Returns the people who had already signed.
   */
  async function voidRound(tx: Tx, tenantId: string, contractId: string, reason: 'declined' | 'changed' | 'expired' | 'withdrawn') {
    const old = await tx.query<{ step: number; kind: string; user_id: string | null; name: string; email: string; party_name: string | null; status: string; turn_opened_at: Date | null }>(
      `UPDATE contract_signers SET voided_at = $2, void_reason = $3, code_hash = NULL WHERE contract_id = $1 AND voided_at IS NULL
        RETURNING step, kind, user_id, name, email, party_name, status, turn_opened_at`,
      [contractId, ctx.now(), reason],
    );
    // The next round (not after a withdrawal): same steps and people, no link and no deadline yet —
    // signing restarts only with a new deadline (startSigning), so a past deadline is never reused.
    if (reason !== 'withdrawn') {
      for (const o of old) {
        await tx.execute(
          `INSERT INTO contract_signers (tenant_id, id, contract_id, step, kind, user_id, name, email, party_name) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
          [tenantId, crypto.randomUUID(), contractId, o.step, o.kind, o.user_id, o.name, o.email, o.party_name],
        );
      }
    }
    return {
      signed: old.filter((o) => o.status === 'signed').map((o) => ({ userId: o.user_id, email: o.email, name: o.name })),
      /** Pending signers who had been invited (their link or turn was open). */
      invited: old.filter((o) => o.status === 'pending' && o.turn_opened_at).map((o) => ({ userId: o.user_id, email: o.email, name: o.name })),
    };
  }

  /**
   * A change after approval (content, any field an approver judged, attachments): while signing, the
   * round is voided first (signatures kept as a record, old links answer 410, signers told); then a new
   * approval round with the workflow re-evaluated for the new values (amount, type, sensitivity).
   * Signing restarts only after approval, with a new deadline and new links.
   */
  async function backToApproval(tx: Tx, auth: Auth, c: ContractRow, meta: RequestMeta, details: Record<string, unknown>) {
    const tenantId = c.tenant_id;
    let told: Recipient[] = [];
    if (c.status === 'signing') {
      const voided = await voidRound(tx, tenantId, c.id, 'changed');
      await rec(tx, auth, tenantId, 'contract.signing_voided', c, meta, { ...details, reason: 'changed', voidedSignatures: voided.signed.length });
      told = [...voided.signed, ...voided.invited];
    }
    assertTransition(c.status, 'in_approval');
    await startRound(tx, auth, await load(tx, c.id), meta);
    if (told.length) await signingNotify(tx, tenantId, c.id, 'voided', told);
  }

  /**
   * Automatic renewal (expiry job): a signed contract with auto-renewal whose end date has passed is
   * never expired; it is renewed for its own term (start → end; one year when it has no start date),
   * period after period until the current one contains today. The previous and new periods are
   * recorded (audit `contract.renewed`) and the owner is told.
   */
  async function renewDue(tx: Tx, tenantId: string, today: string) {
    const due = await tx.query<ContractRow>(
      `SELECT ${'id, number, title, owner_id, start_date::text AS start_date, end_date::text AS end_date'} FROM contracts
        WHERE status = 'signed' AND auto_renew AND end_date IS NOT NULL AND end_date < $1::date FOR UPDATE`,
      [today],
    );
    for (const c of due) {
      let start = c.start_date;
      let end = c.end_date!;
      const periods: Array<{ start: string; end: string }> = [];
      for (let i = 0; i < 100 && end < today; i++) {
        const r = await tx.one<{ s: string; e: string }>(
          `SELECT ($1::date + 1)::text AS s,
                  (($1::date + 1) + CASE WHEN $2::date IS NULL THEN interval '1 year' ELSE age($1::date + 1, $2::date) END - interval '1 day')::date::text AS e`,
          [end, start],
        );
        start = r.s;
        end = r.e;
        periods.push({ start, end });
      }
      await repo.updateFields(tx, c.id, { start_date: start, end_date: end });
      await audit.record(tx, {
        tenantId, actor: { kind: 'system' }, action: 'contract.renewed', objectType: 'contract', objectId: c.id,
        details: { number: c.number, previous: { start: c.start_date, end: c.end_date }, current: { start, end }, periods: periods.length, today },
      });
      const owner = await repo.user(tx, c.owner_id);
      if (owner) {
        await notifyUsers(tx, tenantId, [owner], 'contract_renewed', c, {
          subject: `合同已自动续期 / Contract renewed: ${c.number} ${c.title}`,
          lines: [`合同“${c.title}”（${c.number}）已按约定自动续期，新的期限为 ${start} 至 ${end}。`, `The contract "${c.title}" (${c.number}) renewed automatically; its new term runs from ${start} to ${end}.`],
        });
      }
    }
  }

  /** After approval, an attachment change is a change of the contract: a new version, back to approval. */
  async function attachmentChanged(tx: Tx, auth: Auth, c: ContractRow, note: string, meta: RequestMeta) {
    if (!APPROVED_STATES.includes(c.status)) return;
    const version = c.current_version + 1;
    await saveVersion(tx, auth, c, version, await bodyOf(tx, c.tenant_id, c.id, c.current_version), 'edit', note);
    await repo.updateFields(tx, c.id, { current_version: version });
    await backToApproval(tx, auth, c, meta, { newVersion: version, fields: ['attachments'] });
  }

  /** Dates in messages are shown in the tenant's zone; a link expires at the end of its last day there. */
  async function deadlineDay(tx: Tx, tenantId: string, expires: Date): Promise<string> {
    return dayIn(await repo.timeZone(tx, tenantId), new Date(expires.getTime() - 1));
  }

  /** A current pending signer declines (reason required): the round is voided, the contract goes back to approved. */
  async function decline(tx: Tx, tenantId: string, c: ContractRow, s: SignerRow & { voided_at?: Date | null }, reason: string, actor: Actor, meta: RequestMeta) {
    if (c.status !== 'signing') throw conflict('signing_not_open');
    if (s.status === 'signed') throw conflict('already_signed');
    if (s.status !== 'pending') throw conflict('signing_not_open');
    await tx.execute(`UPDATE contract_signers SET status = 'declined', declined_at = $2, decline_reason = $3, code_hash = NULL WHERE id = $1`, [s.id, ctx.now(), reason]);
    const { signed } = await voidRound(tx, tenantId, c.id, 'declined');
    assertTransition(c.status, 'approved');
    await repo.updateFields(tx, c.id, { status: 'approved' });
    await rec(tx, null, tenantId, 'contract.sign_decline', c, meta, { signerId: s.id, signer: s.name, party: s.party_name, step: s.step, reason, voidedSignatures: signed.length }, actor);
    const owner = await repo.user(tx, c.owner_id);
    const to: Recipient[] = [...(owner ? [{ userId: owner.id, email: owner.email, name: owner.name }] : []), ...signed];
    await signingNotify(tx, tenantId, c.id, 'declined', to, { reason, by: s.party_name ? `${s.name}（${s.party_name}）` : s.name });
  }

  type SignerRow = {
    id: string; contract_id: string; step: number; kind: string; user_id: string | null; name: string; email: string; party_name: string | null;
    status: string; code_hash: string | null; code_expires_at: Date | null; code_attempts: number; link_expires_at: Date | null;
    passkey_challenge: string | null; passkey_payload: Record<string, unknown> | null; passkey_challenge_expires_at: Date | null;
  };

  /** Checks that `signer` may act now (nothing is written when it may not). */
  async function assertTurn(tx: Tx, c: ContractRow, s: SignerRow) {
    if (s.status === 'signed') throw conflict('already_signed');
    if (c.status !== 'signing') throw conflict('signing_not_open');
    const step = await currentSigningStep(tx, c.id);
    if (step !== Number(s.step)) throw conflict('signing_out_of_turn');
    if (s.link_expires_at && s.link_expires_at.getTime() <= ctx.now().getTime()) {
      throw new AppError(410, 'signing_link_expired', { deadline: await deadlineDay(tx, c.tenant_id, s.link_expires_at) });
    }
  }

  async function sendCode(tx: Tx, tenantId: string, c: ContractRow, s: SignerRow) {
    const code = randomDigits(6);
    const expires = new Date(ctx.now().getTime() + CODE_TTL_MS);
    await tx.execute(`UPDATE contract_signers SET code_hash = $2, code_expires_at = $3, code_attempts = 0 WHERE id = $1`, [s.id, codeHash(s.id, code), expires]);
    const lines = [`您签署合同“${c.title}”（${c.number}）的验证码是 ${code}，10 分钟内有效。`, `Your code to sign "${c.title}" (${c.number}) is ${code}; it is valid for 10 minutes.`];
    tx.afterCommit(() => ctx.mailer.send({ to: s.email, tenantId, subject: `签署验证码 / Signing code: ${code}`, text: lines.join('\n\n'), html: simpleHtml('签署验证码 / Signing code', lines) }));
    return { sentTo: s.email.replace(/^(.).*(@.*)$/, '$1***$2'), expiresAt: expires };
  }

  /** Verifies the code, records the signature, and seals after the last one (same transaction, contract row locked). */
  async function doSign(tx: Tx, tenantId: string, c: ContractRow, s: SignerRow, code: string, actor: Actor, meta: RequestMeta) {
    await assertTurn(tx, c, s);
    if (!s.code_hash || !s.code_expires_at) throw fieldError('code', 'code_not_sent');
    if (s.code_expires_at.getTime() < ctx.now().getTime()) throw fieldError('code', 'code_expired');
    if (s.code_attempts >= CODE_ATTEMPTS) throw fieldError('code', 'too_many_attempts');
    if (!timingSafeEqualStr(s.code_hash, codeHash(s.id, code))) {
      return { wrongCode: true as const };
    }
    await tx.execute(
      `UPDATE contract_signers SET status = 'signed', signed_at = $2, method = 'email_code', ip = $3, user_agent = $4, code_hash = NULL, token_hash = token_hash
        WHERE id = $1 AND status = 'pending'`,
      [s.id, ctx.now(), meta.ip ?? null, meta.userAgent?.slice(0, 512) ?? null],
    );
    await rec(tx, null, tenantId, 'contract.sign', c, meta, { signerId: s.id, signer: s.name, party: s.party_name, step: s.step, method: 'email_code' }, actor);
    await continueAfterSignature(tx, tenantId, c, s, meta);
    return { wrongCode: false as const };
  }

  /** After a signature: open the next step, or seal after the last signer. */
  async function continueAfterSignature(tx: Tx, tenantId: string, c: ContractRow, s: SignerRow, meta: RequestMeta) {
    const next = await currentSigningStep(tx, c.id);
    if (next === null) {
      await seal(tx, tenantId, c, meta);
    } else if (next !== Number(s.step)) {
      const exp = await tx.one<{ d: Date | null }>(`SELECT max(link_expires_at) AS d FROM contract_signers WHERE contract_id = $1 AND voided_at IS NULL`, [c.id]);
      const zone = await repo.timeZone(tx, tenantId);
      await openStep(tx, tenantId, c, next, exp.d ?? endOfDayIn(zone, addDays(dayIn(zone, ctx.now()), 7)), 'your_turn');
    }
  }

  /** The payload a passkey signature binds: the document's SHA-256, the contract and version, the signer and the time. */
  async function passkeyPayload(tx: Tx, c: ContractRow, s: SignerRow, userId: string) {
    const v = await repo.versionBody(tx, c.id, c.current_version);
    if (!v) throw new AppError(404, 'version_not_found');
    return { docSha256: v.body_sha256, contractId: c.id, version: Number(c.current_version), signerId: s.id, userId, issuedAt: ctx.now().toISOString() };
  }

  async function internalSigner(tx: Tx, auth: Auth, contractId: string): Promise<SignerRow> {
    const s = await tx.maybeOne<SignerRow>(`SELECT * FROM contract_signers WHERE contract_id = $1 AND user_id = $2 AND voided_at IS NULL`, [contractId, auth.user.id]);
    if (!s) throw new AppError(403, 'contract_forbidden', { permission: 'contracts.sign' });
    return s;
  }

  /** A failed passkey attempt still spends the challenge (single use): cleared in its own transaction. */
  async function spendPasskeyChallenge(tenantId: string, signerId: string) {
    await db.tenant(tenantId, async (tx) => {
      await access.applySystemScope(tx, tenantId, 'signing.passkey_failed');
      await tx.execute(`UPDATE contract_signers SET passkey_challenge = NULL, passkey_payload = NULL, passkey_challenge_expires_at = NULL WHERE id = $1`, [signerId]);
    });
  }

  async function seal(tx: Tx, tenantId: string, c: ContractRow, meta: RequestMeta) {
    const existing = await tx.maybeOne(`SELECT 1 FROM contract_seals WHERE contract_id = $1`, [c.id]);
    if (existing) return;
    const at = ctx.now();
    const body = await bodyOf(tx, tenantId, c.id, c.current_version);
    const original = await renderContractPdf({ number: c.number, title: c.title, body, at });
    const originalSha = sha256(original).toString('hex');
    const signers = await tx.query<{ name: string; party_name: string | null; kind: string; method: string; signed_at: Date; ip: string | null; step: number; credential_id: string | null }>(
      `SELECT name, party_name, kind, method, signed_at, ip, step, credential_id FROM contract_signers WHERE contract_id = $1 AND voided_at IS NULL ORDER BY step, signed_at`,
      [c.id],
    );
    const tenant = await tx.one<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, [tenantId]);
    const zone = await repo.timeZone(tx, tenantId);
    const events = await repo.auditTrail(tx, c.id);
    const cert = loadSealCert(ctx.config.dataDir);
    // The attachments are part of the signed contract: listed with their SHA-256 on the audit certificate.
    const attachments = (await repo.attachments(tx, c.id)).filter((a) => a.kind === 'attachment');
    const version = await repo.versionBody(tx, c.id, c.current_version);
    const sealed = await sealPdf(
      {
        number: c.number, title: c.title, body, at, originalSha256: originalSha, zone, bodySha256: version?.body_sha256, version: Number(c.current_version),
        attachments: attachments.map((a) => ({ filename: a.filename, sizeBytes: Number(a.size_bytes), sha256: a.sha256 })),
      },
      signers.map((s) => ({ name: s.name, party: s.party_name ?? tenant.name, method: s.method, signedAt: s.signed_at, ip: s.ip, credentialId: s.credential_id })),
      events.map((e) => ({ at: e.occurred_at, action: e.action, actor: e.actor_label ?? e.actor_kind, ip: e.ip, userAgent: e.user_agent, method: (e.details.method as string) ?? null })),
      cert,
    );
    const sealedSha = sha256(sealed).toString('hex');
    const blobId = await ctx.blobs.write({ tenantId }, Readable.from([sealed]), await keys.fileEncrypter(tx, { tenantId }));
    const attachmentId = crypto.randomUUID();
    await repo.insertAttachment(tx, { tenantId, id: attachmentId, contractId: c.id, filename: `${c.number}-sealed.pdf`, mime: 'application/pdf', size: sealed.length, sha256: sealedSha, blobId, kind: 'sealed', userId: null });
    await tx.execute(
      `INSERT INTO contract_seals (tenant_id, contract_id, original_sha256, sealed_sha256, attachment_id, sealed_at) VALUES ($1,$2,$3,$4,$5,$6)`,
      [tenantId, c.id, originalSha, sealedSha, attachmentId, at],
    );
    await tx.execute(
      `INSERT INTO sealed_documents (sha256, owner_tenant_id, contract_id, number, title, signers, sealed_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [sealedSha, tenantId, c.id, c.number, c.title, JSON.stringify(signers.map((s) => ({ name: s.name, party: s.party_name ?? tenant.name, signedAt: s.signed_at, method: s.method, ...(s.credential_id ? { credentialId: s.credential_id } : {}) }))), at],
    );
    assertTransition(c.status, 'signed');
    await repo.updateFields(tx, c.id, { status: 'signed', signing_date: c.signing_date ?? dayIn(zone, at) });
    await rec(tx, null, tenantId, 'contract.seal', c, meta, {
      originalSha256: originalSha, sealedSha256: sealedSha, certificate: cert.fingerprint, attachments: attachments.map((a) => ({ filename: a.filename, sha256: a.sha256 })),
    });
    // Who receives the sealed PDF: internal users (owner, internal signers) get the in-app notice and a
    // link to the contract (download audited); counterparty signers and the counterparties' contacts,
    // who have no account, get the sealed PDF attached to the "completed" mail.
    const owner = await repo.user(tx, c.owner_id);
    const everyone = await tx.query<{ user_id: string | null; email: string; name: string }>(`SELECT user_id, email, name FROM contract_signers WHERE contract_id = $1 AND voided_at IS NULL ORDER BY step`, [c.id]);
    const contacts = c.counterparties
      .filter((p) => (p.contact as { email?: string } | undefined)?.email)
      .map((p) => ({ userId: null, email: (p.contact as { email: string }).email, name: (p.contact as { name?: string }).name ?? p.name }));
    const file = { filename: `${c.number}-sealed.pdf`, content: sealed, contentType: 'application/pdf' };
    await signingNotify(tx, tenantId, c.id, 'completed', [
      ...(owner ? [{ userId: owner.id, email: owner.email, name: owner.name }] : []),
      ...everyone.map((e) => ({ userId: e.user_id, email: e.email, name: e.name, attachment: e.user_id ? undefined : file })),
      ...contacts.map((p) => ({ ...p, attachment: file })),
    ]);
    const external = [...everyone.filter((e) => !e.user_id), ...contacts].map((e) => e.email.toLowerCase());
    await rec(tx, null, tenantId, 'contract.sealed_sent', c, meta, { sealedSha256: sealedSha, recipients: [...new Set(external)] });
  }

  async function signerByToken(tx: Tx, token: string): Promise<SignerRow> {
    const s = await tx.maybeOne<SignerRow>(`SELECT * FROM contract_signers WHERE token_hash = $1 AND kind = 'counterparty'`, [sha256(token).toString('hex')]);
    if (!s) throw new AppError(404, 'signer_not_found');
    const v = s as SignerRow & { voided_at: Date | null; void_reason: string | null };
    if (v.voided_at) {
      if (v.void_reason === 'expired' && s.link_expires_at) throw new AppError(410, 'signing_link_expired', { deadline: await deadlineDay(tx, tokenTenant(token), s.link_expires_at) });
      throw new AppError(410, v.void_reason === 'changed' ? 'signing_link_changed' : v.void_reason === 'withdrawn' ? 'signing_link_withdrawn' : 'signing_link_declined');
    }
    return s;
  }

  function tokenTenant(token: string): string {
    const t = token.split('.')[0] ?? '';
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(t)) throw new AppError(404, 'signer_not_found');
    return t;
  }

  async function recordWrongCode(tenantId: string, signerId: string) {
    await db.tenant(tenantId, async (tx) => {
      await access.applySystemScope(tx, tenantId, 'signing.wrong_code');
      await tx.execute(`UPDATE contract_signers SET code_attempts = code_attempts + 1 WHERE id = $1`, [signerId]);
    });
  }

  return {
    // ---------------------------------------------------------------- templates
    async createTemplate(auth: Auth, input: { name: string; type: string; variables: TemplateVariable[]; body: string }, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'templates.manage', null, meta, async (tx) => {
          checkTemplate(input);
          const id = crypto.randomUUID();
          await repo.insertTemplate(tx, { tenantId, id, ...input, userId: auth.user.id });
          await rec(tx, auth, tenantId, 'contract_template.create', null, meta, { templateId: id, name: input.name });
          return { id, ...input };
      });
    },

    /** Changes a template (templates.manage); contracts drafted from it keep their text (versions). */
    async updateTemplate(auth: Auth, id: string, input: { name: string; type: string; variables: TemplateVariable[]; body: string }, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'templates.manage', null, meta, async (tx) => {
        checkTemplate(input);
        const n = await tx.execute(`UPDATE contract_templates SET name = $2, type = $3, variables = $4, body = $5, updated_at = now() WHERE id = $1`, [
          id, input.name, input.type, JSON.stringify(input.variables), input.body,
        ]);
        if (!n) throw new AppError(404, 'template_not_found');
        await rec(tx, auth, tenantId, 'contract_template.update', null, meta, { templateId: id, name: input.name, variables: input.variables.map((v) => `${v.name}:${v.type}`) });
        return { id, ...input };
      });
    },

    async templates(auth: Auth) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, (tx) => repo.templates(tx));
    },

    // ---------------------------------------------------------------- contracts
    async create(auth: Auth, input: CreateContract, meta: RequestMeta): Promise<ContractView> {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.create', null, meta, async (tx, scope) => {
          assertLevel(scope, input.sensitivity);
          const customFields = checkCustomFields(await fieldDefs(tx), input.customFields as CustomValues);
          let body = input.body ?? '';
          let source = 'edit';
          if (input.templateId) {
            const t = await repo.template(tx, input.templateId);
            if (!t) throw fieldError('templateId', 'template_not_found');
            body = renderTemplate(t.body, t.variables, input.values ?? {});
            source = 'template';
          }
          body = body.trim() ? normalizeBody(body) : '';
          const day = dayIn(tz(auth), ctx.now());
          const seq = await repo.nextNumber(tx, tenantId, 'HT', Number(day.slice(0, 4)));
          const number = renderNumber((await repo.numbering(tx)).numberScheme, { day, seq, type: input.type });
          if (await tx.maybeOne(`SELECT 1 FROM contracts WHERE number = $1`, [number])) throw conflict('contract_number_taken', { number });
          const id = crypto.randomUUID();
          await repo.insertContract(tx, {
            tenant_id: tenantId,
            id,
            number,
            title: input.title,
            type: input.type,
            counterparties: input.counterparties,
            amount_fen: input.amountFen ?? null,
            currency: input.currency,
            signing_date: input.signingDate ?? null,
            start_date: input.startDate ?? null,
            end_date: input.endDate ?? null,
            auto_renew: input.autoRenew,
            sensitivity: input.sensitivity,
            owner_id: auth.user.id,
            department_id: input.departmentId ?? null,
            status: 'draft',
            tags: input.tags,
            custom_fields: customFields,
            template_id: input.templateId ?? null,
            created_by: auth.user.id,
            search_text: searchText({ number, ...input }),
            body_grams: gramTokens(keys, tenantId, grams(body)),
          });
          await saveVersion(tx, auth, { id }, 1, body, source, null);
          await rec(tx, auth, tenantId, 'contract.create', { id }, meta, { number, templateId: input.templateId ?? null });
          return view(await load(tx, id));
      });
    },

    async update(auth: Auth, id: string, input: UpdateContract, meta: RequestMeta): Promise<ContractView> {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.edit', id, meta, async (tx, scope) => {
          const c = await load(tx, id, true);
          if (input.sensitivity !== undefined) assertLevel(scope, input.sensitivity);
          if (!EDITABLE.includes(c.status)) throw conflict('contract_locked', { status: c.status });
          const set: Record<string, unknown> = {};
          const changed: string[] = [];
          const map: Record<string, keyof ContractRow> = {
            title: 'title', type: 'type', amountFen: 'amount_fen', currency: 'currency', signingDate: 'signing_date', startDate: 'start_date',
            endDate: 'end_date', autoRenew: 'auto_renew', sensitivity: 'sensitivity', departmentId: 'department_id', tags: 'tags',
          };
          const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
          for (const [k, col] of Object.entries(map)) {
            const v = (input as Record<string, unknown>)[k];
            if (v === undefined) continue;
            const old = col === 'amount_fen' && c.amount_fen !== null ? Number(c.amount_fen) : c[col];
            if (same(v, old)) continue;
            set[col] = v;
            changed.push(k);
          }
          if (input.counterparties !== undefined && !same(input.counterparties, c.counterparties)) {
            set.counterparties = JSON.stringify(input.counterparties);
            changed.push('counterparties');
          }
          // Custom fields given are checked as a whole against the tenant's definitions (422 customFields.<key>).
          const customFields = input.customFields !== undefined ? checkCustomFields(await fieldDefs(tx), input.customFields as CustomValues) : undefined;
          if (customFields !== undefined && !same(customFields, c.custom_fields)) {
            set.custom_fields = JSON.stringify(customFields);
            changed.push('customFields');
          }
          const before = metaOf(c);
          const after: ContractMeta = { ...before };
          for (const k of Object.keys(before) as Array<keyof ContractMeta>) {
            const v = (input as Record<string, unknown>)[k];
            if (v !== undefined) (after as Record<string, unknown>)[k] = v;
          }
          if (customFields !== undefined) after.customFields = customFields;
          const changes = metaChanges(before, after);
          const start = (set.start_date as string | null | undefined) ?? c.start_date;
          const end = (set.end_date as string | null | undefined) ?? c.end_date;
          if (start && end && end < start) throw fieldError('endDate', 'date_order');
          const current = await bodyOf(tx, tenantId, id, c.current_version);
          let body: string | null = null;
          if (input.body !== undefined) {
            const next = input.body.trim() ? normalizeBody(input.body) : '';
            if (next !== current) {
              body = next;
              changed.push('body');
            }
          }
          // Nothing changed (e.g. the whole form saved again): no version, no new approval.
          if (!changed.length) return view(c);
          const afterApproval = APPROVED_STATES.includes(c.status);
          // Every save that changes something (body or metadata) is a version with a metadata snapshot;
          // approval and signatures bind a version.
          const newVersion = c.current_version + 1;
          await saveVersion(tx, auth, c, newVersion, body ?? current, 'edit', input.note ?? (body === null ? changed.join(', ') : null), after);
          set.current_version = newVersion;
          if (body !== null) set.body_grams = gramTokens(keys, tenantId, grams(body));
          set.search_text = searchText({
            number: c.number,
            title: (set.title as string) ?? c.title,
            type: (set.type as string) ?? c.type,
            counterparties: input.counterparties ?? c.counterparties,
            tags: input.tags ?? c.tags,
          });
          await repo.updateFields(tx, id, set);
          // Values before and after, without the counterparties' contact persons (company, USCC and role only).
          const audited = auditChanges(changes);
          const values = Object.fromEntries(audited.map((x) => [x.field, { from: x.from, to: x.to }]));
          await rec(tx, auth, tenantId, 'contract.update', c, meta, { fields: changed, values, changes: audited, newVersion, bodyChanged: body !== null, from: c.status });
          if (afterApproval) await backToApproval(tx, auth, c, meta, { newVersion, fields: changed });
          return view(await load(tx, id));
      });
    },

    async importFile(auth: Auth, id: string, file: Upload, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      await run(auth, 'contracts.edit', id, meta, (tx) => load(tx, id));
      const sniffed = await sniffUpload(file.stream, { field: 'file', allowed: IMPORT_TYPES, maxBytes: MAX_UPLOAD_BYTES });
      const chunks: Buffer[] = [];
      for await (const ch of sniffed.stream) chunks.push(ch as Buffer);
      const text = await extractText(Buffer.concat(chunks), sniffed.mime);
      return this.update(auth, id, { body: text, note: `${file.filename}` }, meta).then(async (v) => {
        await run(auth, 'contracts.edit', id, meta, (tx) => rec(tx, auth, tenantId, 'contract.import', { id }, meta, { filename: file.filename, mime: sniffed.mime, sha256: sniffed.stats.sha256 }));
        return v;
      });
    },

    async get(auth: Auth, id: string, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', id, meta, async (tx) => {
          const c = await load(tx, id);
          const body = await bodyOf(tx, tenantId, id, c.current_version);
          const approval = await tx.maybeOne<{ id: string; round: number; status: string; steps: ResolvedStep[]; current_step: number; version: number }>(
            `SELECT id, round, status, steps, current_step, version FROM contract_approvals WHERE contract_id = $1 ORDER BY round DESC LIMIT 1`,
            [id],
          );
          const decisions = approval
            ? await tx.query(
                `SELECT d.step, d.user_id AS "userId", u.name, d.decision, d.comment, d.created_at AS "at" FROM approval_decisions d
                   LEFT JOIN users u ON u.tenant_id = d.tenant_id AND u.id = d.user_id WHERE d.approval_id = $1 ORDER BY d.created_at`,
                [approval.id],
              )
            : [];
          const signers = await tx.query(
            `SELECT id, step, kind, user_id AS "userId", name, email, party_name AS "partyName", status, signed_at AS "signedAt", method, credential_id AS "credentialId", link_expires_at AS "linkExpiresAt"
               FROM contract_signers WHERE contract_id = $1 AND voided_at IS NULL ORDER BY step, created_at`,
            [id],
          );
          const signerHistory = await tx.query(
            `SELECT id, step, kind, name, party_name AS "partyName", status, signed_at AS "signedAt", declined_at AS "declinedAt", decline_reason AS "declineReason",
                    voided_at AS "voidedAt", void_reason AS "voidReason"
               FROM contract_signers WHERE contract_id = $1 AND voided_at IS NOT NULL ORDER BY voided_at, step, created_at`,
            [id],
          );
          const seal = await tx.maybeOne<{ original_sha256: string; sealed_sha256: string; sealed_at: Date }>(
            `SELECT original_sha256, sealed_sha256, sealed_at FROM contract_seals WHERE contract_id = $1`,
            [id],
          );
          await rec(tx, auth, tenantId, 'contract.view', c, meta, { version: c.current_version });
          const myTurn =
            approval?.status === 'pending' &&
            (approval.steps[approval.current_step]?.approvers ?? []).includes(auth.user.id) &&
            !decisions.some((d) => (d as { userId: string; step: number }).userId === auth.user.id && (d as { step: number }).step === approval.current_step);
          return {
            ...view(c),
            body,
            approval: approval ? { ...approval, decisions, myTurn } : null,
            signers,
            signerHistory,
            seal: seal ? { originalSha256: seal.original_sha256, sealedSha256: seal.sealed_sha256, sealedAt: seal.sealed_at } : null,
            attachments: await repo.attachments(tx, id),
            ...(await followState(tx, id, auth.user.id)),
          };
      });
    },

    /** List and search. One audit event per call (`contract.list`: the filter, the total and the ids shown), not one per row. */
    async list(auth: Auth, q: ListQuery, meta: RequestMeta = {}) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', null, meta, async (tx) => {
        const tokens = q.q && hasSearchChars(q.q) ? gramTokens(keys, tenantId, queryGrams(q.q)) : undefined;
        const r = await repo.list(tx, { ...q, tokens, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
        const items = r.rows.map(view);
        await rec(tx, auth, tenantId, q.q ? 'contract.search' : 'contract.list', null, meta, { filter: q, total: r.total, ids: items.map((c) => c.id) });
        return { items, total: r.total, page: q.page, pageSize: q.pageSize };
      });
    },

    async versions(auth: Auth, id: string, meta: RequestMeta = {}) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', id, meta, async (tx) => {
        const c = await load(tx, id);
        const versions = await repo.versions(tx, id);
        await rec(tx, auth, tenantId, 'contract.versions', c, meta, { count: versions.length });
        return versions;
      });
    },

    async version(auth: Auth, id: string, version: number, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', id, meta, async (tx) => {
        const c = await load(tx, id);
        const body = await bodyOf(tx, tenantId, id, version);
        await rec(tx, auth, tenantId, 'contract.view_version', c, meta, { version });
        return { version, body };
      });
    },

    async diff(auth: Auth, id: string, from: number, to: number, mode: 'line' | 'word', meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', id, meta, async (tx) => {
        const c = await load(tx, id);
        const a = await bodyOf(tx, tenantId, id, from);
        const b = await bodyOf(tx, tenantId, id, to);
        await rec(tx, auth, tenantId, 'contract.diff', c, meta, { from, to });
        const parts = diffBodies(a, b, mode);
        const ma = await metaOfVersion(tx, tenantId, id, from);
        const mb = await metaOfVersion(tx, tenantId, id, to);
        return {
          from,
          to,
          mode,
          parts,
          /** Metadata changes between the two versions (null when one of them predates metadata snapshots). */
          metadata: ma && mb ? metaChanges(ma, mb) : null,
          stats: {
            inserted: parts.filter((p) => p.op === 'insert').reduce((n, p) => n + Array.from(p.text).length, 0),
            deleted: parts.filter((p) => p.op === 'delete').reduce((n, p) => n + Array.from(p.text).length, 0),
          },
        };
      });
    },

    // ---------------------------------------------------------------- attachments
    /**
     * Attachments follow the rules of the content: free while drafting (draft, returned); after approval
     * (approved, signing) adding or removing one is a change, so it makes a new version and sends the
     * contract back to approval (voiding the signatures so far while signing); refused in approval and
     * once signed, terminated, expired, archived or withdrawn (409 contract_locked).
     */
    async addAttachment(auth: Auth, id: string, file: Upload, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      await run(auth, 'contracts.edit', id, meta, async (tx) => {
        const c = await load(tx, id);
        if (!EDITABLE.includes(c.status)) throw conflict('contract_locked', { status: c.status });
      });
      const sniffed = await sniffUpload(file.stream, { field: 'file', allowed: ATTACHMENT_TYPES, maxBytes: MAX_UPLOAD_BYTES });
      return run(auth, 'contracts.edit', id, meta, async (tx) => {
        const c = await load(tx, id, true);
        if (!EDITABLE.includes(c.status)) throw conflict('contract_locked', { status: c.status });
        const blobId = await ctx.blobs.write({ tenantId }, sniffed.stream, await keys.fileEncrypter(tx, { tenantId }));
        const attId = crypto.randomUUID();
        const filename = file.filename.replace(/[\u0000-\u001F/\\]/g, '_').slice(0, 200) || 'file';
        await repo.insertAttachment(tx, { tenantId, id: attId, contractId: id, filename, mime: sniffed.mime, size: sniffed.stats.size, sha256: sniffed.stats.sha256, blobId, kind: 'attachment', userId: auth.user.id });
        await rec(tx, auth, tenantId, 'contract.attachment_add', c, meta, { attachmentId: attId, filename, mime: sniffed.mime, size: sniffed.stats.size, sha256: sniffed.stats.sha256, from: c.status });
        await attachmentChanged(tx, auth, c, `附件 + ${filename}`, meta);
        return { id: attId, filename, mime: sniffed.mime, sizeBytes: sniffed.stats.size, sha256: sniffed.stats.sha256 };
      });
    },

    /** Removes an attachment from the contract (the file and its row stay on record, marked removed). */
    async removeAttachment(auth: Auth, id: string, attachmentId: string, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.edit', id, meta, async (tx) => {
        const c = await load(tx, id, true);
        if (!EDITABLE.includes(c.status)) throw conflict('contract_locked', { status: c.status });
        const att = await repo.attachment(tx, id, attachmentId);
        if (!att || att.kind !== 'attachment') throw new AppError(404, 'attachment_not_found');
        await tx.execute(`UPDATE contract_attachments SET removed_at = $2, removed_by = $3 WHERE id = $1`, [attachmentId, ctx.now(), auth.user.id]);
        await rec(tx, auth, tenantId, 'contract.attachment_remove', c, meta, { attachmentId, filename: att.filename, sha256: att.sha256, from: c.status });
        await attachmentChanged(tx, auth, c, `附件 − ${att.filename}`, meta);
        return view(await load(tx, id));
      });
    },

    async download(auth: Auth, id: string, attachmentId: string | 'sealed', meta: RequestMeta): Promise<{ filename: string; mime: string; content: Buffer }> {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.download', id, meta, async (tx) => {
          const c = await load(tx, id);
          let att: { id: string; filename: string; mime: string; blob_id: string; kind: string } | undefined;
          if (attachmentId === 'sealed') {
            att = await tx.maybeOne(`SELECT a.id, a.filename, a.mime, a.blob_id, a.kind FROM contract_seals s JOIN contract_attachments a ON a.tenant_id = s.tenant_id AND a.id = s.attachment_id WHERE s.contract_id = $1`, [id]);
            if (!att) throw new AppError(404, 'seal_not_ready');
          } else {
            att = await repo.attachment(tx, id, attachmentId);
            if (!att) throw new AppError(404, 'attachment_not_found');
          }
          let content = await keys.decryptFile(tx, { tenantId }, await ctx.blobs.read({ tenantId }, att.blob_id));
          const settings = await repo.settings(tx);
          // The sealed PDF is never altered (any change would break its seal); other PDFs get the watermark.
          const watermark = settings.watermarkDownloads && att.mime === 'application/pdf' && att.kind !== 'sealed';
          if (watermark) content = await watermarkPdf(content, `${auth.user.email} ${ctx.now().toISOString().slice(0, 16)}Z Pactum`);
          await rec(tx, auth, tenantId, 'contract.download', c, meta, { attachmentId: att.id, filename: att.filename, kind: att.kind, watermark });
          return { filename: att.filename, mime: att.mime, content };
      });
    },

    // ---------------------------------------------------------------- lifecycle
    async submit(auth: Auth, id: string, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.submit', id, meta, async (tx) => {
          const c = await load(tx, id, true);
          assertTransition(c.status, 'in_approval');
          await startRound(tx, auth, c, meta);
          return view(await load(tx, id));
      });
    },

    async decide(auth: Auth, id: string, decision: 'approve' | 'return' | 'reject', comment: string | undefined, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.approve', id, meta, async (tx) => {
          const c = await load(tx, id, true);
          assertMayApprove(auth, c);
          if (decision !== 'approve' && !comment) throw fieldError('comment', 'comment_required');
          const a = await tx.maybeOne<{ id: string; steps: ResolvedStep[]; current_step: number; round: number }>(
            `SELECT id, steps, current_step, round FROM contract_approvals WHERE contract_id = $1 AND status = 'pending'`,
            [id],
          );
          if (!a || c.status !== 'in_approval') throw conflict('approval_not_pending');
          const step = a.steps[a.current_step]!;
          const decided = await tx.maybeOne(`SELECT 1 FROM approval_decisions WHERE approval_id = $1 AND step = $2 AND user_id = $3`, [a.id, a.current_step, auth.user.id]);
          if (!step.approvers.includes(auth.user.id) || decided) throw new AppError(403, 'approval_not_your_turn');
          await tx.execute(
            `INSERT INTO approval_decisions (tenant_id, id, approval_id, step, user_id, decision, comment) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
            [tenantId, crypto.randomUUID(), a.id, a.current_step, auth.user.id, decision, comment ?? null],
          );
          await rec(tx, auth, tenantId, `contract.approval_${decision}`, c, meta, { round: a.round, step: a.current_step, stepName: step.name, comment: comment ?? null });
          const drafter = await repo.user(tx, c.created_by);
          if (decision === 'approve') {
            const approvals = await tx.one<{ n: number }>(
              `SELECT count(*)::int AS n FROM approval_decisions WHERE approval_id = $1 AND step = $2 AND decision = 'approve'`,
              [a.id, a.current_step],
            );
            const stepDone = step.mode === 'any' || Number(approvals.n) >= step.approvers.length;
            if (stepDone) {
              if (a.current_step + 1 < a.steps.length) {
                await tx.execute(`UPDATE contract_approvals SET current_step = current_step + 1, step_started_at = $2 WHERE id = $1`, [a.id, ctx.now()]);
                await notifyStep(tx, tenantId, c, a.steps[a.current_step + 1]!);
              } else {
                await tx.execute(`UPDATE contract_approvals SET status = 'approved', decided_at = now() WHERE id = $1`, [a.id]);
                assertTransition(c.status, 'approved');
                await repo.updateFields(tx, id, { status: 'approved' });
                if (drafter) {
                  await notifyUsers(tx, tenantId, [drafter], 'approval_approved', c, {
                    subject: `审批通过 / Approved: ${c.number} ${c.title}`,
                    lines: [`合同“${c.title}”已审批通过，可以发起签署。`, `The contract "${c.title}" was approved and can go to signing.`],
                  });
                }
              }
            }
          } else {
            const to: ContractStatus = decision === 'return' ? 'returned' : 'withdrawn';
            await tx.execute(`UPDATE contract_approvals SET status = $2, decided_at = now() WHERE id = $1`, [a.id, decision === 'return' ? 'returned' : 'rejected']);
            assertTransition(c.status, to);
            await repo.updateFields(tx, id, { status: to });
            if (drafter) {
              await notifyUsers(tx, tenantId, [drafter], `approval_${decision}`, c, {
                subject: `${decision === 'return' ? '审批退回 / Returned' : '审批驳回 / Rejected'}: ${c.number} ${c.title}`,
                lines: [`意见：${comment}`, `Comment: ${comment}`],
              });
            }
          }
          return view(await load(tx, id));
      });
    },

    async transition(auth: Auth, id: string, to: 'withdrawn' | 'terminated' | 'expired', meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.edit', id, meta, async (tx) => {
          const c = await load(tx, id, true);
          assertTransition(c.status, to);
          // Withdrawing while signing ends the round: the signer rows stay as a record (void reason
          // `withdrawn`), their links answer 410 with an explanation, and whoever was invited or signed is told.
          const voided = c.status === 'signing' ? await voidRound(tx, tenantId, id, 'withdrawn') : null;
          await repo.updateFields(tx, id, { status: to });
          await tx.execute(`UPDATE contract_approvals SET status = 'withdrawn', decided_at = now() WHERE contract_id = $1 AND status = 'pending'`, [id]);
          await rec(tx, auth, tenantId, `contract.${to}`, c, meta, { from: c.status, ...(voided ? { voidedSignatures: voided.signed.length } : {}) });
          if (voided) await signingNotify(tx, tenantId, id, 'withdrawn', [...voided.signed, ...voided.invited]);
          return view(await load(tx, id));
      });
    },

    /**
     * Deletes a draft (also a returned one) for good: the contract, its versions, attachments (rows and
     * encrypted files, removed after commit), signers, approval rounds and decisions, reminders and in-app
     * notifications. What stays is the audit log: `contract.delete_draft` with number, title and counts, and
     * the earlier events of the contract. Anything past draft is refused (409 contract_not_draft).
     */
    async deleteDraft(auth: Auth, id: string, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.delete_draft', id, meta, async (tx) => {
        const c = await load(tx, id, true);
        if (c.status !== 'draft' && c.status !== 'returned') throw conflict('contract_not_draft', { status: c.status });
        const blobs = await tx.query<{ blob_id: string }>(`SELECT blob_id FROM contract_attachments WHERE contract_id = $1`, [id]);
        const versions = (await tx.one<{ n: number }>(`SELECT app_purge_draft_history($1)::int AS n`, [id])).n;
        await tx.execute(`DELETE FROM contract_notifications WHERE contract_id = $1`, [id]);
        await tx.execute(`DELETE FROM contract_reminders WHERE contract_id = $1`, [id]);
        await tx.execute(`DELETE FROM contract_signers WHERE contract_id = $1`, [id]);
        await tx.execute(`DELETE FROM contract_approvals WHERE contract_id = $1`, [id]);
        await tx.execute(`DELETE FROM contract_attachments WHERE contract_id = $1`, [id]);
        await tx.execute(`DELETE FROM contracts WHERE id = $1`, [id]);
        await rec(tx, auth, tenantId, 'contract.delete_draft', c, meta, {
          number: c.number, title: c.title, sensitivity: c.sensitivity, versions: Number(versions), attachments: blobs.length,
        });
        tx.afterCommit(async () => {
          for (const b of blobs) await ctx.blobs.remove({ tenantId }, b.blob_id).catch((err: unknown) => ctx.log.warn({ err, blobId: b.blob_id }, 'blob removal failed'));
        });
        return { deleted: true, id, number: c.number };
      });
    },

    async archive(auth: Auth, id: string, input: { retentionYears?: number }, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.archive', id, meta, async (tx) => {
          const c = await load(tx, id, true);
          assertTransition(c.status, 'archived');
          const today = dayIn(tz(auth), ctx.now());
          const seq = await repo.nextNumber(tx, tenantId, 'GD', Number(today.slice(0, 4)));
          const archiveNumber = renderNumber((await repo.numbering(tx)).archiveNumberScheme, { day: today, seq, type: c.type });
          if (await tx.maybeOne(`SELECT 1 FROM contracts WHERE archive_number = $1`, [archiveNumber])) throw conflict('contract_number_taken', { number: archiveNumber });
          const years = input.retentionYears ?? (await repo.settings(tx)).retentionYears;
          // Date arithmetic, not string surgery: 29 February + 10 years is 28 February.
          const retention = (await tx.one<{ d: string }>(`SELECT ($1::date + make_interval(years => $2::int))::date::text AS d`, [today, years])).d;
          await repo.updateFields(tx, id, { status: 'archived', archived_from: c.status, archive_number: archiveNumber, archived_at: ctx.now(), retention_until: retention });
          await rec(tx, auth, tenantId, 'contract.archive', c, meta, { archiveNumber, retentionUntil: retention, from: c.status });
          return view(await load(tx, id));
      });
    },

    async auditTrail(auth: Auth, id: string, meta: RequestMeta = {}) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', id, meta, async (tx) => {
        const c = await load(tx, id);
        const events = await repo.auditTrail(tx, id);
        await rec(tx, auth, tenantId, 'contract.audit_trail', c, meta, { events: events.length });
        return events;
      });
    },

    // ---------------------------------------------------------------- signing
    async setSigners(auth: Auth, id: string, signers: Array<{ kind: 'internal'; step: number; userId: string } | { kind: 'counterparty'; step: number; name: string; email: string; partyName: string }>, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.edit', id, meta, async (tx) => {
          const c = await load(tx, id, true);
          if (!['draft', 'returned', 'in_approval', 'approved'].includes(c.status)) throw conflict('signers_locked');
          // One row per internal user: signing picks "my" signer row by user.
          const internal = signers.flatMap((s, i) => (s.kind === 'internal' ? [[i, s.userId] as const] : []));
          for (const [i, userId] of internal) {
            if (internal.some(([j, u]) => j < i && u === userId)) throw fieldError(`signers.${i}.userId`, 'signer_duplicate');
          }
          await tx.execute(`DELETE FROM contract_signers WHERE contract_id = $1 AND voided_at IS NULL`, [id]);
          const tenant = await tx.one<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, [tenantId]);
          for (const [i, s] of signers.entries()) {
            if (s.kind === 'internal') {
              const u = await repo.user(tx, s.userId);
              if (!u) throw fieldError(`signers.${i}.userId`, 'user_not_found');
              await tx.execute(
                `INSERT INTO contract_signers (tenant_id, id, contract_id, step, kind, user_id, name, email, party_name) VALUES ($1,$2,$3,$4,'internal',$5,$6,$7,$8)`,
                [tenantId, crypto.randomUUID(), id, s.step, u.id, u.name, u.email, tenant.name],
              );
            } else {
              await tx.execute(
                `INSERT INTO contract_signers (tenant_id, id, contract_id, step, kind, name, email, party_name) VALUES ($1,$2,$3,$4,'counterparty',$5,$6,$7)`,
                [tenantId, crypto.randomUUID(), id, s.step, s.name, s.email, s.partyName],
              );
            }
          }
          await rec(tx, auth, tenantId, 'contract.signers_set', c, meta, { signers: signers.map((s) => ({ kind: s.kind, step: s.step })) });
          return tx.query(`SELECT id, step, kind, user_id AS "userId", name, email, party_name AS "partyName", status FROM contract_signers WHERE contract_id = $1 AND voided_at IS NULL ORDER BY step`, [id]);
      });
    },

    async startSigning(auth: Auth, id: string, deadline: string, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.edit', id, meta, async (tx) => {
          const c = await load(tx, id, true);
          assertTransition(c.status, 'signing');
          if (deadline < dayIn(tz(auth), ctx.now())) throw fieldError('deadline', 'deadline_past');
          const first = await currentSigningStep(tx, id);
          if (first === null) throw conflict('signers_required');
          const expires = endOfDayIn(tz(auth), deadline);
          await tx.execute(`UPDATE contract_signers SET link_expires_at = $2 WHERE contract_id = $1 AND voided_at IS NULL`, [id, expires]);
          await repo.updateFields(tx, id, { status: 'signing' });
          await rec(tx, auth, tenantId, 'contract.signing_start', c, meta, { deadline });
          await openStep(tx, tenantId, c, first, expires, 'invitation');
          return view(await load(tx, id));
      });
    },

    /** Internal signer: send the e-mail code. */
    async requestInternalCode(auth: Auth, id: string) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.sign', null, {}, async (tx) => {
        const c = await load(tx, id, true);
        const s = await tx.maybeOne<SignerRow>(`SELECT * FROM contract_signers WHERE contract_id = $1 AND user_id = $2 AND voided_at IS NULL`, [id, auth.user.id]);
        if (!s) throw new AppError(403, 'contract_forbidden', { permission: 'contracts.sign' });
        await assertTurn(tx, c, s);
        return sendCode(tx, tenantId, c, s);
      });
    },

    async signInternal(auth: Auth, id: string, code: string, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      const r = await run(auth, 'contracts.sign', id, meta, async (tx) => {
        const c = await load(tx, id, true);
        const s = await tx.maybeOne<SignerRow>(`SELECT * FROM contract_signers WHERE contract_id = $1 AND user_id = $2 AND voided_at IS NULL`, [id, auth.user.id]);
        if (!s) throw new AppError(403, 'contract_forbidden', { permission: 'contracts.sign' });
        const res = await doSign(tx, tenantId, c, s, code, actorOf(auth), meta);
        return { ...res, signerId: s.id, contract: view(await load(tx, id)) };
      });
      if (r.wrongCode) {
        await recordWrongCode(tenantId, r.signerId);
        throw fieldError('code', 'code_invalid');
      }
      return r.contract;
    },

    /**
     * Internal signer with a registered passkey: WebAuthn options whose challenge is
     * base64url(SHA-256(canonical JSON {docSha256, contractId, version, signerId, userId, issuedAt})),
     * stored on the signer (single use, 5 minutes).
     */
    async passkeySignOptions(auth: Auth, id: string) {
      return run(auth, 'contracts.sign', id, {}, async (tx) => {
        const c = await load(tx, id, true);
        const s = await internalSigner(tx, auth, id);
        await assertTurn(tx, c, s);
        const payload = await passkeyPayload(tx, c, s, auth.user.id);
        const digest = sha256(canonicalJson(payload));
        const options = await passkeys.passkeyOptionsTx(tx, auth.user.id, digest);
        if (!options) throw conflict('passkey_not_registered');
        const expires = new Date(ctx.now().getTime() + PASSKEY_CHALLENGE_TTL_MS);
        await tx.execute(
          `UPDATE contract_signers SET passkey_challenge = $2, passkey_payload = $3, passkey_challenge_expires_at = $4 WHERE id = $1`,
          [s.id, options.challenge, JSON.stringify(payload), expires],
        );
        return { options, payload, expiresAt: expires };
      });
    },

    /** Internal signer: sign with a passkey assertion over the challenge from passkeySignOptions. */
    async signWithPasskey(auth: Auth, id: string, response: AuthenticationResponseJSON, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      const r = await run(auth, 'contracts.sign', id, meta, async (tx) => {
        const c = await load(tx, id, true);
        const s = await internalSigner(tx, auth, id);
        await assertTurn(tx, c, s);
        if (!s.passkey_challenge || !s.passkey_payload || !s.passkey_challenge_expires_at) throw conflict('passkey_challenge_missing');
        const fail = (code: string) => ({ failed: code, signerId: s.id }) as const;
        if (s.passkey_challenge_expires_at.getTime() <= ctx.now().getTime()) return fail('passkey_challenge_expired');
        // The challenge binds the document: refuse if the content changed since it was issued.
        const current = await passkeyPayload(tx, c, s, auth.user.id);
        const bound = s.passkey_payload;
        if (bound.docSha256 !== current.docSha256 || Number(bound.version) !== current.version || bound.contractId !== c.id || bound.signerId !== s.id || bound.userId !== auth.user.id) {
          return fail('document_changed');
        }
        if (sha256(canonicalJson(bound)).toString('base64url') !== s.passkey_challenge) return fail('passkey_invalid');
        const v = await passkeys.verifyPasskeyTx(tx, auth.user.id, response, s.passkey_challenge);
        if (!v) return fail('passkey_invalid');
        const evidence = {
          payload: bound,
          challenge: s.passkey_challenge,
          credentialId: v.credentialId,
          publicKeyCose: v.publicKey,
          counter: v.counter,
          clientDataJSON: response.response.clientDataJSON,
          authenticatorData: response.response.authenticatorData,
          signature: response.response.signature,
          userHandle: response.response.userHandle ?? null,
        };
        await tx.execute(
          `UPDATE contract_signers SET status = 'signed', signed_at = $2, method = 'passkey', ip = $3, user_agent = $4, code_hash = NULL,
                  passkey_challenge = NULL, passkey_payload = NULL, passkey_challenge_expires_at = NULL, credential_id = $5, signature_evidence = $6
            WHERE id = $1 AND status = 'pending'`,
          [s.id, ctx.now(), meta.ip ?? null, meta.userAgent?.slice(0, 512) ?? null, v.credentialId, JSON.stringify(evidence)],
        );
        await rec(tx, null, tenantId, 'contract.sign', c, meta, {
          signerId: s.id, signer: s.name, party: s.party_name, step: s.step, method: 'passkey', credentialId: v.credentialId, docSha256: bound.docSha256, challenge: s.passkey_challenge,
        }, actorOf(auth));
        await continueAfterSignature(tx, tenantId, c, s, meta);
        return { failed: null, signerId: s.id, contract: view(await load(tx, id)) };
      });
      if (r.failed !== null) {
        await spendPasskeyChallenge(tenantId, r.signerId);
        await audit.recordAlone(ctx.db, { tenantId, actor: actorOf(auth), action: 'contract.sign_failed', outcome: 'failure', objectType: 'contract', objectId: id, details: { method: 'passkey', reason: r.failed }, meta });
        if (r.failed === 'document_changed') throw conflict('document_changed');
        throw fieldError('response', r.failed);
      }
      return r.contract;
    },

    /** Public (link) signing: what the counterparty sees. */
    async publicView(token: string, meta: RequestMeta) {
      const tenantId = tokenTenant(token);
      return db.tenant(tenantId, async (tx) => {
        await access.applySystemScope(tx, tenantId, 'signing_link.view');
        const s = await signerByToken(tx, token);
        const c = await load(tx, s.contract_id);
        if (s.link_expires_at && s.link_expires_at.getTime() <= ctx.now().getTime()) {
          throw new AppError(410, 'signing_link_expired', { deadline: await deadlineDay(tx, tenantId, s.link_expires_at) });
        }
        const body = await bodyOf(tx, tenantId, c.id, c.current_version);
        const step = await currentSigningStep(tx, c.id);
        const tenant = await tx.one<{ name: string }>(`SELECT name FROM tenants WHERE id = $1`, [tenantId]);
        await rec(tx, null, tenantId, 'contract.view', c, meta, { via: 'signing_link', signerId: s.id }, { kind: 'anonymous', id: s.id, label: s.email });
        return {
          contract: { number: c.number, title: c.title, status: c.status, amountFen: c.amount_fen === null ? null : Number(c.amount_fen), currency: c.currency, body, issuer: tenant.name },
          signer: { name: s.name, partyName: s.party_name, status: s.status, step: s.step, linkExpiresAt: s.link_expires_at },
          yourTurn: s.status === 'pending' && c.status === 'signing' && step === Number(s.step),
        };
      });
    },

    async publicRequestCode(token: string) {
      const tenantId = tokenTenant(token);
      return db.tenant(tenantId, async (tx) => {
        await access.applySystemScope(tx, tenantId, 'signing_link.code');
        const s = await signerByToken(tx, token);
        const c = await load(tx, s.contract_id, true);
        await assertTurn(tx, c, s);
        return sendCode(tx, tenantId, c, s);
      });
    },

    async publicSign(token: string, code: string, meta: RequestMeta) {
      const tenantId = tokenTenant(token);
      const r = await db.tenant(tenantId, async (tx) => {
        await access.applySystemScope(tx, tenantId, 'signing_link.sign');
        const s0 = await signerByToken(tx, token);
        const c = await load(tx, s0.contract_id, true);
        // Re-read under the contract lock: a concurrent request of the same signer may have just signed.
        const s = await tx.one<SignerRow>(`SELECT * FROM contract_signers WHERE id = $1`, [s0.id]);
        const res = await doSign(tx, tenantId, c, s, code, { kind: 'anonymous', id: s.id, label: `${s.name} <${s.email}>` }, meta);
        const after = await load(tx, c.id);
        return { ...res, signerId: s.id, status: after.status };
      });
      if (r.wrongCode) {
        await recordWrongCode(tenantId, r.signerId);
        throw fieldError('code', 'code_invalid');
      }
      return { signed: true, contractStatus: r.status };
    },

    /** Internal signer declines (reason required). */
    async declineInternal(auth: Auth, id: string, reason: string, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.sign', id, meta, async (tx) => {
        const c = await load(tx, id, true);
        const s = await tx.maybeOne<SignerRow>(`SELECT * FROM contract_signers WHERE contract_id = $1 AND user_id = $2 AND voided_at IS NULL`, [id, auth.user.id]);
        if (!s) throw new AppError(403, 'contract_forbidden', { permission: 'contracts.sign' });
        await decline(tx, tenantId, c, s, reason, actorOf(auth), meta);
        return view(await load(tx, id));
      });
    },

    /** Counterparty (link) declines (reason required). */
    async publicDecline(token: string, reason: string, meta: RequestMeta) {
      const tenantId = tokenTenant(token);
      return db.tenant(tenantId, async (tx) => {
        await access.applySystemScope(tx, tenantId, 'signing_link.decline');
        const s0 = await signerByToken(tx, token);
        const c = await load(tx, s0.contract_id, true);
        const s = await tx.one<SignerRow>(`SELECT * FROM contract_signers WHERE id = $1`, [s0.id]);
        await decline(tx, tenantId, c, s, reason, { kind: 'anonymous', id: s.id, label: `${s.name} <${s.email}>` }, meta);
        return { declined: true };
      });
    },

    /**
     * Signing deadlines (job, hourly): a contract still `signing` once its links have expired (the end
     * of the deadline day in the tenant zone) leaves signing: the round is voided (reason `expired`,
     * kept as a record), the contract goes back to `approved`, reminders stop (they only go to
     * `signing` contracts), and the owner and whoever had signed are told. The owner restarts signing
     * with a new deadline (POST /contracts/:id/signing), which sends new links.
     */
    async runSigningDeadlines(): Promise<{ expired: number }> {
      const tenants = await db.platform((tx) => tx.query<{ id: string }>(`SELECT id FROM tenants WHERE status IN ('active', 'restricted')`));
      let expired = 0;
      for (const t of tenants) {
        expired += await db.tenant(t.id, async (tx) => {
          await access.applySystemScope(tx, t.id, 'job.signing_deadlines');
          const now = ctx.now();
          const due = await tx.query<{ id: string; deadline: Date }>(
            `SELECT c.id, max(s.link_expires_at) AS deadline FROM contracts c
               JOIN contract_signers s ON s.tenant_id = c.tenant_id AND s.contract_id = c.id AND s.voided_at IS NULL
              WHERE c.status = 'signing' GROUP BY c.id HAVING max(s.link_expires_at) <= $1`,
            [now],
          );
          let n = 0;
          for (const d of due) {
            const c = await load(tx, d.id, true);
            if (c.status !== 'signing') continue;
            const voided = await voidRound(tx, t.id, c.id, 'expired');
            assertTransition(c.status, 'approved');
            await repo.updateFields(tx, c.id, { status: 'approved' });
            const deadline = await deadlineDay(tx, t.id, d.deadline);
            await rec(tx, null, t.id, 'contract.signing_expired', c, {}, { deadline, voidedSignatures: voided.signed.length });
            const owner = await repo.user(tx, c.owner_id);
            await signingNotify(tx, t.id, c.id, 'expired', [...(owner ? [{ userId: owner.id, email: owner.email, name: owner.name }] : []), ...voided.signed], { deadline });
            n++;
          }
          return n;
        });
      }
      return { expired };
    },

    /**
     * Signing reminders and overdue approvals (job): per tenant, in its own transaction with the audited
     * system scope. Signers whose step is open and whose link is still valid are reminded every
     * `signingReminderDays` days since their turn began (or the last reminder), at most `signingReminderMax`
     * times; approvers of a step waiting longer than `approvalOverdueDays` days, once per day.
     * Nothing is sent for a contract that is no longer `signing` / `in_approval` (see notices.ts).
     */
    async runSigningReminders(): Promise<{ signers: number; approvals: number }> {
      const tenants = await db.platform((tx) => tx.query<{ id: string; time_zone: string }>(`SELECT id, time_zone FROM tenants WHERE status IN ('active', 'restricted')`));
      let signers = 0;
      let approvals = 0;
      for (const t of tenants) {
        const today = dayIn(t.time_zone, ctx.now());
        const r = await db.tenant(t.id, async (tx) => {
          await access.applySystemScope(tx, t.id, 'job.signing_reminders');
          const st = await repo.settings(tx);
          const now = ctx.now();
          const due = await tx.query<{ id: string; contract_id: string; user_id: string | null; email: string; name: string; token_enc: string | null; reminders_sent: number }>(
            `SELECT s.id, s.contract_id, s.user_id, s.email, s.name, s.token_enc, s.reminders_sent FROM contract_signers s
               JOIN contracts c ON c.tenant_id = s.tenant_id AND c.id = s.contract_id
              WHERE c.status = 'signing' AND s.voided_at IS NULL AND s.status = 'pending' AND s.turn_opened_at IS NOT NULL
                AND s.link_expires_at > $1 AND s.reminders_sent < $2
                AND coalesce(s.last_reminded_at, s.turn_opened_at) <= $1::timestamptz - $3 * interval '1 day'
                AND s.step = (SELECT min(x.step) FROM contract_signers x WHERE x.tenant_id = s.tenant_id AND x.contract_id = s.contract_id AND x.status = 'pending' AND x.voided_at IS NULL)
              ORDER BY s.contract_id, s.step`,
            [now, st.signingReminderMax, st.signingReminderDays],
          );
          let ns = 0;
          for (const s of due) {
            const c = await load(tx, s.contract_id, true);
            const token = s.token_enc ? await keys.decryptText(tx, { tenantId: t.id }, s.token_enc) : null;
            const link = token ? `${ctx.config.publicUrl}/sign/${encodeURIComponent(token)}` : undefined;
            const sent = await signingNotify(tx, t.id, s.contract_id, 'reminder', [{ userId: s.user_id, email: s.email, name: s.name, link, signerId: s.id }]);
            if (!sent) continue;
            await tx.execute(`UPDATE contract_signers SET reminders_sent = reminders_sent + 1, last_reminded_at = $2 WHERE id = $1`, [s.id, now]);
            await rec(tx, null, t.id, 'contract.sign_reminder', c, {}, { signerId: s.id, signer: s.name, reminder: Number(s.reminders_sent) + 1 });
            ns++;
          }
          const waiting = await tx.query<{ id: string; contract_id: string; steps: ResolvedStep[]; current_step: number }>(
            `SELECT a.id, a.contract_id, a.steps, a.current_step FROM contract_approvals a
               JOIN contracts c ON c.tenant_id = a.tenant_id AND c.id = a.contract_id
              WHERE a.status = 'pending' AND c.status = 'in_approval'
                AND coalesce(a.step_started_at, a.created_at) <= $1::timestamptz - $2 * interval '1 day'
                AND (a.overdue_reminded_on IS NULL OR a.overdue_reminded_on < $3::date)`,
            [now, st.approvalOverdueDays, today],
          );
          let na = 0;
          for (const a of waiting) {
            const c = await load(tx, a.contract_id);
            const step = a.steps[a.current_step];
            if (!step) continue;
            const decided = (await tx.query<{ user_id: string }>(`SELECT user_id FROM approval_decisions WHERE approval_id = $1 AND step = $2`, [a.id, a.current_step])).map((d) => d.user_id);
            const users = (await repo.users(tx)).filter((u) => step.approvers.includes(u.id) && !decided.includes(u.id));
            await notifyUsers(tx, t.id, users, 'approval_overdue', c, {
              subject: `审批已超时 / Approval overdue: ${c.number} ${c.title}`,
              lines: [`合同“${c.title}”（${c.number}）在“${step.name}”步骤已等待超过 ${st.approvalOverdueDays} 天，请尽快审批。`, `The contract "${c.title}" (${c.number}) has waited more than ${st.approvalOverdueDays} days for your approval (${step.name}).`],
            });
            await tx.execute(`UPDATE contract_approvals SET overdue_reminded_on = $2 WHERE id = $1`, [a.id, today]);
            await rec(tx, null, t.id, 'contract.approval_overdue', c, {}, { step: step.name, approvers: users.map((u) => u.id) });
            na += users.length;
          }
          return { ns, na };
        });
        signers += r.ns;
        approvals += r.na;
      }
      return { signers, approvals };
    },

    // ---------------------------------------------------------------- verification (public)
    sealCertificate(): string {
      return loadSealCert(ctx.config.dataDir).certPem;
    },

    async verify(pdf: Buffer, meta: RequestMeta) {
      const hash = sha256(pdf).toString('hex');
      const cert = loadSealCert(ctx.config.dataDir);
      const sig = checkPdfSignature(pdf, cert);
      const doc = await db.platform(async (tx) => {
        const d = await tx.maybeOne<{ number: string; title: string; signers: unknown; sealed_at: Date; owner_tenant_id: string }>(
          `SELECT number, title, signers, sealed_at, owner_tenant_id FROM sealed_documents WHERE sha256 = $1`,
          [hash],
        );
        await audit.record(tx, { tenantId: null, actor: { kind: 'anonymous' }, action: 'seal.verify', details: { sha256: hash, found: !!d, signature: sig.ok ? 'ok' : sig.reason }, meta });
        return d;
      });
      const valid = !!doc && sig.ok;
      return {
        valid,
        sha256: hash,
        reason: valid ? null : !doc ? 'not_a_sealed_document' : (sig as { reason: string }).reason,
        signature: sig.ok ? 'valid' : sig.reason,
        document: valid && doc ? { number: doc.number, title: doc.title, sealedAt: doc.sealed_at, signers: doc.signers } : null,
        certificateSha256: cert.fingerprint,
      };
    },

    // ---------------------------------------------------------------- settings, workflow, dashboard
    async setWorkflow(auth: Auth, input: { name: string; steps: WorkflowStep[] }, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'templates.manage', null, meta, async (tx) => {
          await tx.execute(`UPDATE approval_workflows SET active = false, updated_at = now() WHERE active`);
          const id = crypto.randomUUID();
          await tx.execute(`INSERT INTO approval_workflows (tenant_id, id, name, steps) VALUES ($1,$2,$3,$4)`, [tenantId, id, input.name, JSON.stringify(input.steps)]);
          await rec(tx, auth, tenantId, 'contract_workflow.set', null, meta, { workflowId: id, steps: input.steps.length });
          return { id, ...input };
      });
    },

    async workflow(auth: Auth) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, async (tx) => (await tx.maybeOne(`SELECT id, name, steps FROM approval_workflows WHERE active`)) ?? null);
    },

    async settings(auth: Auth) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, async (tx) => ({
        ...(await repo.settings(tx)),
        expiryReminderDays: await repo.expiryDays(tx),
        ...numberingView(await repo.numbering(tx), dayIn(tz(auth), ctx.now())),
      }));
    },

    async saveSettings(
      auth: Auth,
      input: {
        watermarkDownloads?: boolean; retentionYears?: number; signingReminderDays?: number; signingReminderMax?: number; approvalOverdueDays?: number;
        numberScheme?: string; archiveNumberScheme?: string; expiryReminderDays?: number[];
      },
      meta: RequestMeta,
    ) {
      const tenantId = tenantOf(auth);
      return run(auth, 'templates.manage', null, {}, async (tx) => {
        const { numberScheme, archiveNumberScheme, expiryReminderDays, ...rest } = input;
        const s = { ...(await repo.settings(tx)), ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
        await repo.saveSettings(tx, tenantId, s);
        if (expiryReminderDays) await repo.saveExpiryDays(tx, tenantId, expiryReminderDays);
        const before = await repo.numbering(tx);
        const numbering = { numberScheme: numberScheme ?? before.numberScheme, archiveNumberScheme: archiveNumberScheme ?? before.archiveNumberScheme };
        await repo.saveNumbering(tx, tenantId, numbering);
        const days = await repo.expiryDays(tx);
        await rec(tx, auth, tenantId, 'contract_settings.update', null, meta, {
          ...s, expiryReminderDays: days, ...numbering,
          ...(numbering.numberScheme !== before.numberScheme || numbering.archiveNumberScheme !== before.archiveNumberScheme ? { previousNumbering: before } : {}),
        });
        return { ...s, expiryReminderDays: days, ...numberingView(numbering, dayIn(tz(auth), ctx.now())) };
      });
    },

    // ---------------------------------------------------------------- custom field definitions
    async fieldDefinitions(auth: Auth) {
      tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, (tx) => fieldDefs(tx));
    },

    /** Replaces the tenant's custom field definitions (templates.manage); values already stored stay as they are. */
    async setFieldDefinitions(auth: Auth, fields: FieldDefinition[], meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'templates.manage', null, meta, async (tx) => {
        const before = await fieldDefs(tx);
        await tx.execute(`DELETE FROM contract_field_definitions`);
        for (const [i, f] of fields.entries()) {
          await tx.execute(
            `INSERT INTO contract_field_definitions (tenant_id, key, label_zh, label_en, type, required, options, position) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
            [tenantId, f.key, f.labelZh, f.labelEn, f.type, f.required, JSON.stringify(f.options), i],
          );
        }
        await rec(tx, auth, tenantId, 'contract_fields.set', null, meta, {
          keys: fields.map((f) => f.key),
          removed: before.map((f) => f.key).filter((k) => !fields.some((f) => f.key === k)),
        });
        return fieldDefs(tx);
      });
    },

    // ---------------------------------------------------------------- followers
    /** Follow a contract (expiry and renewal reminders go to the owner and the followers). */
    async follow(auth: Auth, id: string, follow: boolean, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', id, meta, async (tx) => {
        const c = await load(tx, id);
        const n = follow
          ? await tx.execute(`INSERT INTO contract_followers (tenant_id, contract_id, user_id) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, [tenantId, id, auth.user.id])
          : await tx.execute(`DELETE FROM contract_followers WHERE contract_id = $1 AND user_id = $2`, [id, auth.user.id]);
        if (n) await rec(tx, auth, tenantId, follow ? 'contract.follow' : 'contract.unfollow', c, meta);
        const followers = await repo.followers(tx, id);
        return { following: followers.some((f) => f.user_id === auth.user.id), followers: followers.map((f) => ({ userId: f.user_id, name: f.name })) };
      });
    },

    /** Departments by name (for the owner department of a contract); contracts.view. */
    async departments(auth: Auth) {
      tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, (tx) => tx.query<{ id: string; name: string }>(`SELECT id, name FROM departments ORDER BY name`));
    },

    // ---------------------------------------------------------------- people (signer and approver pickers)
    /** Active users of the tenant by name (no e-mail), with whether they may sign and approve; for pickers. */
    async people(auth: Auth, q: string | undefined) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, async (tx) => {
        const signers = new Set(await access.usersWithPermission(tx, tenantId, 'contracts.sign'));
        const approvers = new Set(await access.usersWithPermission(tx, tenantId, 'contracts.approve'));
        const like = q ? `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
        const rows = await tx.query<{ id: string; name: string; department: string | null }>(
          `SELECT u.id, u.name, d.name AS department FROM users u LEFT JOIN departments d ON d.tenant_id = u.tenant_id AND d.id = u.department_id
            WHERE u.status = 'active' AND ($1::text IS NULL OR u.name ILIKE $1) ORDER BY u.name LIMIT 200`,
          [like],
        );
        return rows.map((r) => ({ id: r.id, name: r.name, department: r.department, canSign: signers.has(r.id), canApprove: approvers.has(r.id) }));
      });
    },

    async unreadNotifications(auth: Auth) {
      tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, async (tx) => ({
        unread: Number((await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM contract_notifications WHERE user_id = $1 AND read_at IS NULL`, [auth.user.id])).n),
      }));
    },

    /** Marks one (id) or all of the user's notifications read; another user's notification is not found. */
    async markNotificationsRead(auth: Auth, id: string | null, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', null, meta, async (tx) => {
        const n = id
          ? await tx.execute(`UPDATE contract_notifications SET read_at = now() WHERE id = $1 AND user_id = $2 AND read_at IS NULL`, [id, auth.user.id])
          : await tx.execute(`UPDATE contract_notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL`, [auth.user.id]);
        if (id && !n && !(await tx.maybeOne(`SELECT 1 FROM contract_notifications WHERE id = $1 AND user_id = $2`, [id, auth.user.id]))) {
          throw new AppError(404, 'notification_not_found');
        }
        if (n) await rec(tx, auth, tenantId, 'contract_notifications.read', null, meta, { id, count: n });
        return { marked: n, unread: Number((await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM contract_notifications WHERE user_id = $1 AND read_at IS NULL`, [auth.user.id])).n) };
      });
    },

    async notifications(auth: Auth) {
      const tenantId = tenantOf(auth);
      return run(auth, 'contracts.view', null, {}, (tx) =>
        tx.query(
          `SELECT id, kind, contract_id AS "contractId", params, read_at AS "readAt", created_at AS "createdAt" FROM contract_notifications
            WHERE user_id = $1 ORDER BY created_at DESC LIMIT 100`,
          [auth.user.id],
        ),
      );
    },

    async dashboard(auth: Auth) {
      const tenantId = tenantOf(auth);
      const today = dayIn(tz(auth), ctx.now());
      return run(auth, 'contracts.view', null, {}, async (tx) => {
        const byStatus = await tx.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM contracts GROUP BY status ORDER BY status`);
        const expiring = await tx.query<ContractRow>(
          `SELECT id, number, title, end_date::text AS end_date, status FROM contracts
            WHERE status IN ('signed', 'archived') AND end_date BETWEEN $1::date AND $1::date + 90 ORDER BY end_date LIMIT 20`,
          [today],
        );
        const pending = await tx.query<{ contract_id: string; number: string; title: string; steps: ResolvedStep[]; current_step: number; id: string }>(
          `SELECT a.id, a.contract_id, c.number, c.title, a.steps, a.current_step FROM contract_approvals a
             JOIN contracts c ON c.tenant_id = a.tenant_id AND c.id = a.contract_id WHERE a.status = 'pending'`,
        );
        const mine = [];
        for (const p of pending) {
          if (!(p.steps[p.current_step]?.approvers ?? []).includes(auth.user.id)) continue;
          const done = await tx.maybeOne(`SELECT 1 FROM approval_decisions WHERE approval_id = $1 AND step = $2 AND user_id = $3`, [p.id, p.current_step, auth.user.id]);
          if (!done) mine.push({ contractId: p.contract_id, number: p.number, title: p.title, step: p.steps[p.current_step]!.name });
        }
        return {
          byStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
          expiringSoon: expiring.map((r) => ({ id: r.id, number: r.number, title: r.title, endDate: r.end_date, status: r.status })),
          myApprovals: mine,
        };
      });
    },

    /**
     * The analytic aggregates of the dashboard (module analytics, permission analytics.view): signed amount
     * and count by month over the last 12 months, and signed amount by contract type. Under the caller's
     * data scope like every read, so the sums include only contracts they may see.
     */
    async analytics(auth: Auth) {
      const today = dayIn(tz(auth), ctx.now());
      return run(auth, 'analytics.view', null, {}, async (tx) => {
        const signed = `status IN ('signed', 'archived', 'terminated', 'expired')`;
        const byMonth = await tx.query<{ month: string; amount_fen: number | string; n: number }>(
          `SELECT to_char(signing_date, 'YYYY-MM') AS month, coalesce(sum(amount_fen), 0) AS amount_fen, count(*)::int AS n FROM contracts
            WHERE signing_date >= ($1::date - 365) AND ${signed} GROUP BY 1 ORDER BY 1`,
          [today],
        );
        const byType = await tx.query<{ type: string; amount_fen: number | string; n: number }>(
          `SELECT type, coalesce(sum(amount_fen), 0) AS amount_fen, count(*)::int AS n FROM contracts
            WHERE signing_date >= ($1::date - 365) AND ${signed} GROUP BY 1 ORDER BY 2 DESC, 1`,
          [today],
        );
        return {
          amountByMonth: byMonth.map((r) => ({ month: r.month, amountFen: Number(r.amount_fen), count: Number(r.n) })),
          amountByType: byType.map((r) => ({ type: r.type, amountFen: Number(r.amount_fen), count: Number(r.n) })),
        };
      });
    },

    /**
     * Every contract matching the list filters (no paging), for a CSV export: permission data.export, under
     * the caller's data scope (the same RLS policy as the list, so hidden contracts are absent), audited as
     * `contract.export` with the filters and the row count.
     */
    async exportRows(auth: Auth, q: Omit<ListQuery, 'page' | 'pageSize'>, meta: RequestMeta) {
      const tenantId = tenantOf(auth);
      return run(auth, 'data.export', null, meta, async (tx) => {
        const tokens = q.q && hasSearchChars(q.q) ? gramTokens(keys, tenantId, queryGrams(q.q)) : undefined;
        const rows: ContractView[] = [];
        const PAGE = 500;
        for (let offset = 0; ; offset += PAGE) {
          const r = await repo.list(tx, { ...q, tokens, limit: PAGE, offset, noTotal: true });
          rows.push(...r.rows.map(view));
          if (r.rows.length < PAGE) break;
        }
        const owners = new Map((await tx.query<{ id: string; name: string }>(`SELECT id, name FROM users`)).map((u) => [u.id, u.name]));
        const departments = new Map((await tx.query<{ id: string; name: string }>(`SELECT id, name FROM departments`)).map((d) => [d.id, d.name]));
        await rec(tx, auth, tenantId, 'contract.export', null, meta, { format: 'csv', filters: q, rows: rows.length });
        return rows.map((c) => ({ ...c, ownerName: owners.get(c.ownerId) ?? null, departmentName: c.departmentId ? (departments.get(c.departmentId) ?? null) : null }));
      });
    },

    /**
     * Expiry and renewal reminders (job): for every active tenant, signed/archived contracts whose end date
     * is within the tenant's thresholds (`expiryReminderDays`, default 90/30/7 days, in the tenant's zone).
     * One reminder per threshold and end date, to the owner and the followers, in-app and by e-mail. A
     * contract that renews automatically gets a renewal reminder instead (the notice period before it
     * renews); terminated, expired, withdrawn or draft contracts get none. A changed end date (a renewal)
     * starts the thresholds again. Signed contracts whose end date has passed (and that do not renew)
     * become `expired`.
     */
    async runExpiryReminders(): Promise<{ sent: number }> {
      const tenants = await db.platform((tx) => tx.query<{ id: string; time_zone: string }>(`SELECT id, time_zone FROM tenants WHERE status IN ('active', 'restricted')`));
      let sent = 0;
      for (const t of tenants) {
        const today = dayIn(t.time_zone, ctx.now());
        sent += await db.tenant(t.id, async (tx) => {
          await access.applySystemScope(tx, t.id, 'job.expiry_reminders');
          const thresholdsAll = await repo.expiryDays(tx);
          const horizon = Math.max(...thresholdsAll);
          // Auto-renewing contracts past their end date renew for their own term first (recorded, owner told).
          await renewDue(tx, t.id, today);
          // Signed contracts past their end date (and not renewing) become expired.
          const ended = await tx.query<{ id: string; number: string }>(
            `UPDATE contracts SET status = 'expired', updated_at = now()
              WHERE status = 'signed' AND NOT auto_renew AND end_date IS NOT NULL AND end_date < $1::date RETURNING id, number`,
            [today],
          );
          for (const e of ended) {
            await audit.record(tx, { tenantId: t.id, actor: { kind: 'system' }, action: 'contract.expired', objectType: 'contract', objectId: e.id, details: { number: e.number, today } });
          }
          const due = await tx.query<ContractRow & { days_left: number }>(
            `SELECT id, number, title, owner_id, status, auto_renew, end_date::text AS end_date, (end_date - $1::date)::int AS days_left FROM contracts
              WHERE status IN ('signed', 'archived') AND end_date IS NOT NULL AND end_date >= $1::date AND end_date <= $1::date + $2::int`,
            [today, horizon],
          );
          let n = 0;
          let viewers: Set<string> | undefined;
          for (const c of due) {
            const kind = c.auto_renew ? 'renewal' : 'expiry';
            const thresholds = thresholdsAll.filter((th) => Number(c.days_left) <= th);
            const fresh: number[] = [];
            for (const th of thresholds) {
              const ins = await tx.execute(
                `INSERT INTO contract_reminders (tenant_id, contract_id, kind, end_date, threshold_days) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
                [t.id, c.id, kind, c.end_date, th],
              );
              if (ins) fresh.push(th);
            }
            if (!fresh.length) continue;
            const owner = await repo.user(tx, c.owner_id);
            const followers = await repo.followers(tx, c.id);
            const recipients: UserRow[] = owner ? [owner] : [];
            // A follower who can no longer see the contract (role, clearance or scope changed) is not told about it.
            viewers ??= new Set(await access.usersWithPermission(tx, t.id, 'contracts.view'));
            for (const f of followers) {
              if (recipients.some((r) => r.id === f.user_id)) continue;
              if (await userMaySee(tx, t.id, f.user_id, c.id, viewers)) recipients.push({ id: f.user_id, name: f.name, email: f.email, roles: [] });
            }
            const mail =
              kind === 'renewal'
                ? {
                    subject: `合同即将自动续期 / Contract renews soon: ${c.number} ${c.title}`,
                    lines: [
                      `合同“${c.title}”（${c.number}）将于 ${c.end_date} 到期后自动续期（还剩 ${c.days_left} 天）。如不再续约，请在此之前通知对方。`,
                      `The contract "${c.title}" (${c.number}) renews automatically after ${c.end_date} (${c.days_left} days left). If it should not renew, give notice before then.`,
                    ],
                  }
                : {
                    subject: `合同即将到期 / Contract expiring: ${c.number} ${c.title}`,
                    lines: [`合同“${c.title}”（${c.number}）将于 ${c.end_date} 到期（还剩 ${c.days_left} 天）。`, `The contract "${c.title}" (${c.number}) ends on ${c.end_date} (${c.days_left} days left).`],
                  };
            await notifyUsers(tx, t.id, recipients, kind === 'renewal' ? 'renewal_reminder' : 'expiry_reminder', c, mail, { endDate: c.end_date, daysLeft: Number(c.days_left) });
            await audit.record(tx, {
              tenantId: t.id,
              actor: { kind: 'system' },
              action: kind === 'renewal' ? 'contract.renewal_reminder' : 'contract.expiry_reminder',
              objectType: 'contract',
              objectId: c.id,
              details: { thresholds: fresh, daysLeft: Number(c.days_left), endDate: c.end_date, recipients: recipients.map((r) => r.id) },
            });
            n++;
          }
          return n;
        });
      }
      return { sent };
    },
  };
}

export type ContractsService = ReturnType<typeof contractsService>;
