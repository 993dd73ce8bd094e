import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AppContext } from '../../platform/context.js';
import { probe, type Tx } from '../../platform/db/index.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, conflict, invalid, type FieldError } from '../../platform/http/errors.js';
import { randomDigits, randomToken, sha256 } from '../../platform/crypto.js';
import { sniffUpload } from '../../platform/files.js';
import { checkUscc, emailKey } from '../../platform/validation.js';
import { MAX_UPLOAD_BYTES } from '../../platform/http/app.js';
import type { Locale } from '../../platform/http/messages.js';
import type { TenantsService } from '../tenants/service.js';
import { COLUMN_OF, onboardingRepo as repo, type RegistrationRow } from './repo.js';
import { FIELD_NAMES, LICENSE_TYPES, REQUIRED_FIELDS, type FieldName, type RegistrationInput, type RegistrationView } from './schema.js';
import { onboardingMail } from './mail.js';

const ENCRYPTED: ReadonlySet<FieldName> = new Set(['contactName', 'contactMobile', 'contactEmail']);
const EDITABLE = new Set(['draft', 'rejected']);
const CODE_TTL_MINUTES = 10;
const CODE_RESEND_SECONDS = 60;
const CODE_MAX_ATTEMPTS = 5;
const TOKEN_TTL_DAYS = 30;
const CODE_MAILS_PER_ADDRESS_PER_DAY = 5;
const CODE_MAILS_PER_APPLICATION_PER_DAY = 10;
/** Statuses in which using a link extends it (the applicant still has something to do or wait for). */
const LIVE_TOKEN_STATUSES = new Set(['draft', 'submitted', 'rejected']);
/** After approval the status link keeps saying "approved, sign in at …" for this long. */
const APPROVED_STATUS_DAYS = 90;
/** The scope of every applicant request: registrations only, never another tenant's data. */
const ONBOARDING = 'onboarding' as const;

type Fields = Record<FieldName, string | null>;

interface Snapshot extends Fields {
  license: { blob: string; name: string; mime: string; size: number; sha256: string } | null;
}

const applicant = (id: string): Actor => ({ kind: 'applicant', id, label: 'applicant' });

export function onboardingService(ctx: AppContext, tenants: TenantsService) {
  const { db, keys } = ctx;
  const P = 'platform' as const;

  async function decryptFields(tx: Tx, r: RegistrationRow): Promise<Fields> {
    return {
      companyName: r.company_name,
      uscc: r.uscc,
      registeredAddress: r.registered_address,
      legalRepresentative: r.legal_representative,
      contactName: await keys.decryptOptional(tx, P, r.contact_name_enc),
      contactMobile: await keys.decryptOptional(tx, P, r.contact_mobile_enc),
      contactEmail: await keys.decryptOptional(tx, P, r.contact_email_enc),
    };
  }

  async function toView(tx: Tx, r: RegistrationRow): Promise<RegistrationView> {
    const f = await decryptFields(tx, r);
    const last = r.status === 'rejected' ? await repo.lastDecision(tx, r.id) : undefined;
    return {
      id: r.id,
      status: r.status,
      version: r.version,
      ...f,
      emailVerified: r.email_verified_at !== null,
      license:
        r.license_blob && r.license_name && r.license_mime && r.license_uploaded_at
          ? { fileName: r.license_name, mimeType: r.license_mime, size: r.license_size ?? 0, sha256: r.license_sha256 ?? '', uploadedAt: r.license_uploaded_at }
          : null,
      consentVersion: r.consent_version,
      submittedAt: r.submitted_at,
      decidedAt: r.decided_at,
      rejection: last && last.decision === 'rejected' ? { reasons: last.reasons, comment: last.comment } : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  /** Columns to write for the given input (PII encrypted, e-mail with its blind index). */
  async function columnsFor(tx: Tx, input: RegistrationInput): Promise<Record<string, unknown>> {
    const cols: Record<string, unknown> = {};
    for (const name of FIELD_NAMES) {
      const v = input[name];
      if (v === undefined) continue;
      cols[COLUMN_OF[name]] = ENCRYPTED.has(name) ? await keys.encryptOptional(tx, P, v) : v;
      if (name === 'contactEmail') cols.contact_email_bidx = v ? keys.blindIndex('email', P, emailKey(v)) : null;
    }
    return cols;
  }

  /** A company (by USCC) may hold only one pending or approved application or live tenant. */
  async function assertNoDuplicate(tx: Tx, uscc: string, exceptId: string | null): Promise<void> {
    const regs = await repo.liveByUscc(tx, uscc, exceptId);
    if (regs.length) {
      throw new AppError(409, 'registration_duplicate', { status: regs[0]!.status }, [{ path: 'uscc', code: 'registration_duplicate', params: { status: regs[0]!.status } }]);
    }
    await probe(tx, 'uscc', uscc);
    const t = await tenants.existsLive(tx, uscc);
    if (t) throw new AppError(409, 'tenant_exists', {}, [{ path: 'uscc', code: 'tenant_exists' }]);
  }

  function resumeLink(id: string, token: string): string {
    return `${ctx.config.publicUrl}/register/resume?id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}`;
  }

  function tokenExpiry(): Date {
    return new Date(ctx.now().getTime() + TOKEN_TTL_DAYS * 86400_000);
  }

  async function newToken(tx: Tx, id: string): Promise<string> {
    const token = randomToken(32);
    await repo.insertToken(tx, id, sha256(token), tokenExpiry());
    return token;
  }

  /** One contact e-mail, one pending or approved application (blind index), and not already a login. */
  async function assertEmailFree(tx: Tx, id: string, email: string): Promise<void> {
    const bidx = keys.blindIndex('email', P, emailKey(email));
    if ((await repo.liveByEmail(tx, bidx, id)).length) {
      throw new AppError(409, 'contact_email_pending', {}, [{ path: 'contactEmail', code: 'contact_email_pending' }]);
    }
    await probe(tx, 'email_key', emailKey(email));
    if (await tx.maybeOne(`SELECT 1 FROM login_identities WHERE email_key = $1`, [emailKey(email)])) {
      throw new AppError(409, 'contact_email_taken', {}, [{ path: 'contactEmail', code: 'contact_email_taken' }]);
    }
  }

  /** Loads an application for its applicant; a wrong token and a missing application look the same. */
  async function owned(tx: Tx, id: string, token: string | undefined, lock = true): Promise<RegistrationRow> {
    const notFound = new AppError(404, 'registration_not_found');
    if (!token || !/^[0-9a-f-]{36}$/i.test(id)) throw notFound;
    const hash = sha256(token);
    if (!(await repo.tokenValid(tx, id, hash))) throw notFound;
    const r = await repo.get(tx, id, lock);
    if (!r) throw notFound;
    // While the application is in play, every use of a link keeps it alive (sliding expiry), so an
    // applicant can always come back to read the status or fix and resubmit.
    if (LIVE_TOKEN_STATUSES.has(r.status)) await repo.extendToken(tx, id, hash, tokenExpiry());
    return r;
  }

  /** Whether a submitted version (snapshot) still points at this license file (then it is kept). */
  async function blobInVersions(tx: Tx, id: string, blob: string): Promise<boolean> {
    for (const v of await repo.versions(tx, id)) {
      const snap = JSON.parse(await keys.decryptText(tx, P, v.snapshot_enc)) as Snapshot;
      if (snap.license?.blob === blob) return true;
    }
    return false;
  }

  /**
   * A reviewer's decision that fails (not pending any more, a tenant or login taken meanwhile) rolls
   * back; the refusal is still recorded in the platform chain. A race on the live-tenant index is a 409.
   */
  async function auditedDecision<T>(action: string, id: string, reviewer: Actor, meta: RequestMeta, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const pg = err as { code?: string; constraint?: string; message?: string };
      const race = pg.code === '23505' && (pg.constraint === 'tenants_uscc_live' || /tenants_uscc_live/.test(pg.message ?? ''));
      const e = race ? new AppError(409, 'tenant_exists') : err;
      if (e instanceof AppError) {
        await audit.recordAlone(db, { tenantId: null, actor: reviewer, action, objectType: 'registration', objectId: id, outcome: 'failure', details: { code: e.code, status: e.status }, meta });
      }
      throw e;
    }
  }

  function assertEditable(r: RegistrationRow): void {
    if (!EDITABLE.has(r.status)) throw new AppError(409, 'registration_locked', { status: r.status });
  }

  async function snapshotOf(tx: Tx, r: RegistrationRow): Promise<Snapshot> {
    return {
      ...(await decryptFields(tx, r)),
      license: r.license_blob
        ? { blob: r.license_blob, name: r.license_name ?? '', mime: r.license_mime ?? '', size: r.license_size ?? 0, sha256: r.license_sha256 ?? '' }
        : null,
    };
  }

  function changesBetween(prev: Snapshot | null, cur: Snapshot): Array<{ field: string; before: string | null; after: string | null }> {
    if (!prev) return [];
    const out: Array<{ field: string; before: string | null; after: string | null }> = [];
    for (const f of FIELD_NAMES) if ((prev[f] ?? null) !== (cur[f] ?? null)) out.push({ field: f, before: prev[f] ?? null, after: cur[f] ?? null });
    const lic = (l: Snapshot['license']) => (l ? `${l.name} (${l.mime}, sha256 ${l.sha256.slice(0, 12)}…)` : null);
    if ((prev.license?.sha256 ?? null) !== (cur.license?.sha256 ?? null)) out.push({ field: 'license', before: lic(prev.license), after: lic(cur.license) });
    return out;
  }

  return {
    // ---------------------------------------------------------------- applicant (public) ----------
    async create(input: RegistrationInput, meta: RequestMeta, locale: Locale): Promise<{ id: string; resumeToken: string; registration: RegistrationView }> {
      const id = crypto.randomUUID();
      return db.system(ONBOARDING, async (tx) => {
        if (input.uscc) await assertNoDuplicate(tx, input.uscc, null);
        await repo.insert(tx, id, await columnsFor(tx, input), meta.ip ?? null, locale);
        const token = await newToken(tx, id);
        const row = (await repo.get(tx, id))!;
        await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.create', objectType: 'registration', objectId: id, details: { fields: Object.keys(input) }, meta });
        // No mail yet: an address that has not been verified only ever receives the code mail, which
        // carries no text the applicant wrote (so Pactum cannot be used to send anyone a message).
        return { id, resumeToken: token, registration: await toView(tx, row) };
      });
    },

    /** The applicant reads their registration (personal data decrypted): audited as `registration.view` by the applicant. */
    async get(id: string, token: string | undefined, meta: RequestMeta = {}): Promise<RegistrationView> {
      return db.system(ONBOARDING, async (tx) => {
        const view = await toView(tx, await owned(tx, id, token, false));
        await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.view', objectType: 'registration', objectId: id, meta });
        return view;
      });
    },

    async update(id: string, token: string | undefined, input: RegistrationInput, meta: RequestMeta): Promise<RegistrationView> {
      return db.system(ONBOARDING, async (tx) => {
        const r = await owned(tx, id, token);
        assertEditable(r);
        if (input.uscc && input.uscc !== r.uscc) await assertNoDuplicate(tx, input.uscc, id);
        const cols = await columnsFor(tx, input);
        const before = await decryptFields(tx, r);
        const emailChanged = input.contactEmail !== undefined && emailKey(input.contactEmail ?? '') !== emailKey(before.contactEmail ?? '');
        if (emailChanged) {
          cols.email_verified_at = null;
          await repo.deleteCode(tx, id);
          // Links mailed to the previous address stop working; this browser's token stays.
          await repo.keepOnlyTokens(tx, id, [sha256(token!)]);
        }
        await repo.update(tx, id, cols);
        const changed = FIELD_NAMES.filter((f) => input[f] !== undefined && input[f] !== before[f]);
        await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.update', objectType: 'registration', objectId: id, details: { fields: changed }, meta });
        return toView(tx, (await repo.get(tx, id))!);
      });
    },

    /**
     * Stores the business license: type from content (PDF/JPEG/PNG), at most 10 MiB, streamed through
     * AES-256-GCM to disk (never held whole in memory). The previous file is removed after commit.
     */
    async uploadLicense(id: string, token: string | undefined, file: { stream: Readable; filename: string }, meta: RequestMeta): Promise<RegistrationView> {
      const encrypter = await db.system(ONBOARDING, async (tx) => {
        assertEditable(await owned(tx, id, token, false));
        return keys.fileEncrypter(tx, P);
      });
      const upload = await sniffUpload(file.stream, { field: 'file', allowed: LICENSE_TYPES, maxBytes: MAX_UPLOAD_BYTES });
      const blob = await ctx.blobs.write(P, upload.stream, encrypter);
      const name = (file.filename || `license.${upload.ext}`).replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 200);
      try {
        return await db.system(ONBOARDING, async (tx) => {
          const r = await owned(tx, id, token);
          assertEditable(r);
          await repo.update(tx, id, {
            license_blob: blob,
            license_name: name,
            license_mime: upload.mime,
            license_size: upload.stats.size,
            license_sha256: upload.stats.sha256,
            license_uploaded_at: ctx.now(),
          });
          await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.license.upload', objectType: 'registration', objectId: id, details: { mime: upload.mime, size: upload.stats.size, sha256: upload.stats.sha256 }, meta });
          // A submitted version keeps pointing at its own file; only an unsubmitted replacement is deleted.
          const old = r.license_blob;
          if (old && old !== blob && !(await blobInVersions(tx, id, old))) tx.afterCommit(() => ctx.blobs.remove(P, old));
          return toView(tx, (await repo.get(tx, id))!);
        });
      } catch (err) {
        await ctx.blobs.remove(P, blob);
        throw err;
      }
    },

    async sendEmailCode(id: string, token: string | undefined, meta: RequestMeta): Promise<{ sentTo: string; expiresAt: Date; resendAfterSeconds: number }> {
      return db.system(ONBOARDING, async (tx) => {
        const r = await owned(tx, id, token);
        assertEditable(r);
        const email = await keys.decryptOptional(tx, P, r.contact_email_enc);
        if (!email) throw new AppError(422, 'validation_failed', {}, [{ path: 'contactEmail', code: 'required' }]);
        if (r.email_verified_at) throw conflict('email_already_verified');
        const now = ctx.now();
        const prev = await repo.getCode(tx, id);
        if (prev) {
          const wait = CODE_RESEND_SECONDS - Math.floor((now.getTime() - prev.sent_at.getTime()) / 1000);
          if (wait > 0) throw new AppError(429, 'rate_limited', { seconds: wait }, [], { 'Retry-After': String(wait) });
        }
        const sent = await repo.codeMailsSince(tx, id, r.contact_email_bidx!, new Date(now.getTime() - 86400_000));
        if (sent.by_address >= CODE_MAILS_PER_ADDRESS_PER_DAY || sent.by_application >= CODE_MAILS_PER_APPLICATION_PER_DAY) {
          throw new AppError(429, 'too_many_code_mails', {}, [], { 'Retry-After': '3600' });
        }
        const code = randomDigits(6);
        const expiresAt = new Date(now.getTime() + CODE_TTL_MINUTES * 60_000);
        await repo.upsertCode(tx, id, keys.blindIndex('email-code', P, `${id}:${code}`), r.contact_email_bidx!, now, expiresAt);
        await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.email_code.send', objectType: 'registration', objectId: id, details: { email: r.contact_email_bidx }, meta });
        // The code mail also carries the personal link to resume the draft (one live link per mail).
        const link = await newToken(tx, id);
        await repo.keepOnlyTokens(tx, id, [sha256(token!), sha256(link)]);
        const mail = onboardingMail.emailCode(r.locale as Locale, email, code, CODE_TTL_MINUTES, resumeLink(id, link));
        tx.afterCommit(() => ctx.mailer.send(mail));
        const [local, domain] = email.split('@');
        return { sentTo: `${local!.slice(0, 1)}***@${domain}`, expiresAt, resendAfterSeconds: CODE_RESEND_SECONDS };
      });
    },

    /** Checks the 6-digit code: it expires, allows a few attempts, and binds to the address it went to. */
    async verifyEmailCode(id: string, token: string | undefined, code: string, meta: RequestMeta): Promise<RegistrationView> {
      const outcome = await db.system(ONBOARDING, async (tx) => {
        const r = await owned(tx, id, token);
        assertEditable(r);
        const c = await repo.getCode(tx, id);
        if (!c || c.email_bidx !== r.contact_email_bidx) return { error: new AppError(422, 'validation_failed', {}, [{ path: 'code', code: 'code_not_sent' }]) };
        if (c.attempts >= CODE_MAX_ATTEMPTS) return { error: new AppError(429, 'too_many_attempts', {}, [{ path: 'code', code: 'too_many_attempts' }], { 'Retry-After': String(CODE_RESEND_SECONDS) }) };
        if (c.expires_at.getTime() <= ctx.now().getTime()) return { error: new AppError(422, 'validation_failed', {}, [{ path: 'code', code: 'code_expired' }]) };
        const expected = Buffer.from(c.code_hash);
        const given = Buffer.from(keys.blindIndex('email-code', P, `${id}:${code}`));
        if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
          await repo.bumpAttempts(tx, id);
          await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.email_code.verify', objectType: 'registration', objectId: id, outcome: 'failure', meta });
          return { error: new AppError(422, 'validation_failed', {}, [{ path: 'code', code: 'code_invalid', params: { left: CODE_MAX_ATTEMPTS - c.attempts - 1 } }]) };
        }
        await repo.deleteCode(tx, id);
        await repo.update(tx, id, { email_verified_at: ctx.now() });
        await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.email_code.verify', objectType: 'registration', objectId: id, meta });
        return { view: await toView(tx, (await repo.get(tx, id))!) };
      });
      if ('error' in outcome) throw outcome.error;
      return outcome.view;
    },

    async submit(id: string, token: string | undefined, consentVersion: string, meta: RequestMeta): Promise<RegistrationView> {
      try {
        return await db.system(ONBOARDING, async (tx) => {
          const r = await owned(tx, id, token);
          assertEditable(r);
          const f = await decryptFields(tx, r);
          const errors: FieldError[] = [];
          for (const name of REQUIRED_FIELDS) if (!f[name]) errors.push({ path: name, code: 'required' });
          if (!r.license_blob) errors.push({ path: 'file', code: 'license_required' });
          if (f.contactEmail && !r.email_verified_at) errors.push({ path: 'contactEmail', code: 'email_not_verified' });
          if (f.uscc && !checkUscc(f.uscc).ok) errors.push({ path: 'uscc', code: 'uscc_check_character' });
          if (consentVersion !== ctx.config.privacyVersion) errors.push({ path: 'consentVersion', code: 'consent_version_mismatch', params: { version: ctx.config.privacyVersion } });
          if (errors.length) throw invalid(errors);
          await assertNoDuplicate(tx, f.uscc!, id);
          await assertEmailFree(tx, id, f.contactEmail!);
          const now = ctx.now();
          const version = r.version + 1;
          await repo.update(tx, id, { status: 'submitted', version, submitted_at: now, consent_version: consentVersion, consented_at: now, decided_at: null });
          const snap = await snapshotOf(tx, { ...r, version });
          await repo.insertVersion(tx, id, version, await keys.encryptText(tx, P, JSON.stringify(snap)), now);
          await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.submit', objectType: 'registration', objectId: id, details: { version, consentVersion }, meta });
          // One more link, in the confirmation mail; the applicant's other live links keep working (status).
          const t2 = await newToken(tx, id);
          const mail = onboardingMail.submitted(r.locale as Locale, f.contactEmail!, f.companyName!, version, resumeLink(id, t2));
          tx.afterCommit(() => ctx.mailer.send(mail));
          return toView(tx, (await repo.get(tx, id))!);
        });
      } catch (err) {
        // Two submissions of one company racing: the partial unique index decides, the loser gets 409.
        const e = err as { code?: string; constraint?: string; message?: string };
        if (e.code === '23505' && (e.constraint === 'registrations_email_live' || /registrations_email_live/.test(e.message ?? ''))) {
          throw new AppError(409, 'contact_email_pending', {}, [{ path: 'contactEmail', code: 'contact_email_pending' }]);
        }
        if (e.code === '23505') throw new AppError(409, 'registration_duplicate', { status: 'submitted' }, [{ path: 'uscc', code: 'registration_duplicate', params: { status: 'submitted' } }]);
        throw err;
      }
    },

    async withdraw(id: string, token: string | undefined, meta: RequestMeta): Promise<RegistrationView> {
      return db.system(ONBOARDING, async (tx) => {
        const r = await owned(tx, id, token);
        if (r.status !== 'draft' && r.status !== 'submitted') throw new AppError(409, 'registration_locked', { status: r.status });
        await repo.update(tx, id, { status: 'withdrawn' });
        await repo.capTokens(tx, id, new Date(ctx.now().getTime() + 86400_000));
        await audit.record(tx, { tenantId: null, actor: applicant(id), action: 'registration.withdraw', objectType: 'registration', objectId: id, meta });
        return toView(tx, (await repo.get(tx, id))!);
      });
    },

    // ---------------------------------------------------------------- platform reviewers ----------
    /** The review queue. One audit event per call (`registration.queue`: filter, total, ids shown). */
    async list(f: { status: string | null; q: string | null; page: number; pageSize: number }, actor: Actor, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const q = f.q ? f.q.replace(/[\\%_]/g, (c) => `\\${c}`) : null;
        const rows = await repo.list(tx, { status: f.status, q, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
        const now = ctx.now().getTime();
        // A platform read across applications: who looked at the queue, with which filter, what was shown.
        await audit.record(tx, {
          tenantId: null, actor, action: 'registration.queue', objectType: 'registration', objectId: null,
          details: { filter: f, total: rows[0]?.total ?? 0, ids: rows.map((r) => r.id) }, meta,
        });
        return {
          total: rows[0]?.total ?? 0,
          items: rows.map((r) => ({
            id: r.id,
            companyName: r.company_name,
            uscc: r.uscc,
            status: r.status,
            version: r.version,
            submittedAt: r.submitted_at,
            decidedAt: r.decided_at,
            waitingSeconds: r.status === 'submitted' && r.submitted_at ? Math.max(0, Math.floor((now - r.submitted_at.getTime()) / 1000)) : null,
          })),
        };
      });
    },

    /** The application with automated checks, every version (and what changed) and every decision. Audited. */
    async detail(id: string, actor: Actor, meta: RequestMeta) {
      return db.platform(async (tx) => {
        const r = await repo.get(tx, id);
        // Never submitted = no consent yet: reviewers do not see a draft's personal data.
        if (!r || r.version === 0) throw new AppError(404, 'registration_not_found');
        const registration = await toView(tx, r);
        const others = r.uscc ? await repo.othersByUscc(tx, r.uscc, id) : [];
        const tenant = r.uscc ? await tenants.existsLive(tx, r.uscc) : undefined;
        const duplicates = [
          ...others.map((o) => ({ kind: 'registration' as const, id: o.id, companyName: o.company_name, status: o.status })),
          ...(tenant && tenant.id !== r.tenant_id ? [{ kind: 'tenant' as const, id: tenant.id, companyName: tenant.name, status: tenant.status }] : []),
        ];
        // The same contact e-mail on another application (blind index), or already a login.
        const emailDuplicates: Array<{ kind: 'registration' | 'login'; id: string; companyName: string | null; status: string }> = r.contact_email_bidx
          ? (await repo.othersByEmail(tx, r.contact_email_bidx, id)).map((o) => ({ kind: 'registration' as const, id: o.id, companyName: o.company_name, status: o.status }))
          : [];
        if (registration.contactEmail && r.status !== 'approved') {
          const login = await tx.maybeOne<{ kind: string; tenant_id: string | null }>(`SELECT kind, tenant_id FROM login_identities WHERE email_key = $1`, [emailKey(registration.contactEmail)]);
          if (login) emailDuplicates.push({ kind: 'login', id: login.tenant_id ?? login.kind, companyName: null, status: login.kind });
        }
        const versions = [];
        let prev: Snapshot | null = null;
        for (const v of await repo.versions(tx, id)) {
          const snap = JSON.parse(await keys.decryptText(tx, P, v.snapshot_enc)) as Snapshot;
          versions.push({ version: v.version, submittedAt: v.submitted_at, changes: changesBetween(prev, snap) });
          prev = snap;
        }
        const pending = prev ? changesBetween(prev, await snapshotOf(tx, r)) : [];
        const decisions = (await repo.decisions(tx, id)).map((d) => ({
          id: d.id,
          version: d.version,
          decision: d.decision,
          reasons: d.reasons,
          comment: d.comment,
          reviewerName: d.reviewer_name ?? '',
          decidedAt: d.decided_at,
        }));
        await audit.record(tx, { tenantId: null, actor, action: 'registration.view', objectType: 'registration', objectId: id, meta });
        return {
          registration,
          checks: {
            usccValid: r.uscc ? checkUscc(r.uscc).ok : false,
            emailVerified: r.email_verified_at !== null,
            licensePresent: r.license_blob !== null,
            licenseType: r.license_mime,
            licenseTypeAllowed: r.license_mime !== null && (LICENSE_TYPES as readonly string[]).includes(r.license_mime),
            duplicates,
            emailDuplicates,
          },
          versions,
          unsubmittedChanges: r.status === 'rejected' || r.status === 'draft' ? pending : [],
          decisions,
        };
      });
    },

    /** The license file of the current (or a given) version, decrypted for inline viewing. Audited. */
    async license(id: string, version: number | null, actor: Actor, meta: RequestMeta): Promise<{ data: Buffer; mime: string; name: string }> {
      return db.platform(async (tx) => {
        const r = await repo.get(tx, id);
        if (!r || r.version === 0) throw new AppError(404, 'registration_not_found');
        let lic = { blob: r.license_blob, mime: r.license_mime, name: r.license_name };
        if (version !== null) {
          const v = (await repo.versions(tx, id)).find((x) => x.version === version);
          if (!v) throw new AppError(404, 'not_found');
          const snap = JSON.parse(await keys.decryptText(tx, P, v.snapshot_enc)) as Snapshot;
          lic = { blob: snap.license?.blob ?? null, mime: snap.license?.mime ?? null, name: snap.license?.name ?? null };
        }
        if (!lic.blob || !lic.mime) throw new AppError(404, 'license_missing');
        const data = await keys.decryptFile(tx, P, await ctx.blobs.read(P, lic.blob));
        await audit.record(tx, { tenantId: null, actor, action: 'registration.license.view', objectType: 'registration', objectId: id, details: { version }, meta });
        return { data, mime: lic.mime, name: lic.name ?? 'license' };
      });
    },

    /**
     * Approval, in one transaction: the decision, the tenant (active, trial), its data key and its first
     * admin. The initial password leaves the server only in the approval mail, after commit.
     */
    async approve(id: string, reviewer: Actor & { id: string }, comment: string, meta: RequestMeta) {
      return auditedDecision('registration.approve', id, reviewer, meta, () => db.platform(async (tx) => {
        const r = await repo.get(tx, id, true);
        if (!r) throw new AppError(404, 'registration_not_found');
        if (r.status !== 'submitted') throw new AppError(409, 'registration_not_pending', { status: r.status });
        const f = await decryptFields(tx, r);
        const provisioned = await tenants.provision(
          tx,
          { name: f.companyName!, uscc: f.uscc!, registrationId: id, adminEmail: f.contactEmail!, adminName: f.contactName! },
          reviewer,
          meta,
        );
        await repo.insertDecision(tx, { id: crypto.randomUUID(), registrationId: id, version: r.version, decision: 'approved', reasons: [], comment, reviewerId: reviewer.id });
        await repo.update(tx, id, { status: 'approved', decided_at: ctx.now(), tenant_id: provisioned.tenantId });
        // Every link keeps showing "approved, sign in at …" for a while, then stops (read-only by status).
        await repo.setTokenExpiry(tx, id, new Date(ctx.now().getTime() + APPROVED_STATUS_DAYS * 86400_000));
        await audit.record(tx, { tenantId: null, actor: reviewer, action: 'registration.approve', objectType: 'registration', objectId: id, details: { version: r.version, tenantId: provisioned.tenantId }, meta });
        const mail = {
          ...onboardingMail.approved(r.locale as Locale, f.contactEmail!, f.companyName!, f.contactEmail!, provisioned.adminPassword, `${ctx.config.publicUrl}/login`),
          tenantId: provisioned.tenantId,
        };
        tx.afterCommit(() => ctx.mailer.send(mail));
        return { registration: await toView(tx, (await repo.get(tx, id))!), tenant: { id: provisioned.tenantId, name: f.companyName! } };
      }));
    },

    async reject(id: string, reviewer: Actor & { id: string }, reasons: string[], comment: string, meta: RequestMeta): Promise<RegistrationView> {
      return auditedDecision('registration.reject', id, reviewer, meta, () => db.platform(async (tx) => {
        const r = await repo.get(tx, id, true);
        if (!r) throw new AppError(404, 'registration_not_found');
        if (r.status !== 'submitted') throw new AppError(409, 'registration_not_pending', { status: r.status });
        await repo.insertDecision(tx, { id: crypto.randomUUID(), registrationId: id, version: r.version, decision: 'rejected', reasons, comment, reviewerId: reviewer.id });
        await repo.update(tx, id, { status: 'rejected', decided_at: ctx.now() });
        await audit.record(tx, { tenantId: null, actor: reviewer, action: 'registration.reject', objectType: 'registration', objectId: id, details: { version: r.version, reasons }, meta });
        const f = await decryptFields(tx, r);
        // The link in this mail is one more way back in; the applicant's browser keeps its own link too, to
        // read the reasons and to fix and resubmit (every live link is extended).
        const token = await newToken(tx, id);
        await repo.extendTokens(tx, id, tokenExpiry());
        const mail = onboardingMail.rejected(r.locale as Locale, f.contactEmail!, f.companyName!, reasons, comment, resumeLink(id, token));
        tx.afterCommit(() => ctx.mailer.send(mail));
        return toView(tx, (await repo.get(tx, id))!);
      }));
    },

    /** Stale drafts expire: their personal data and files are deleted. Returns how many expired. */
    async expireStaleDrafts(): Promise<number> {
      const before = new Date(ctx.now().getTime() - ctx.config.draftTtlDays * 86400_000);
      return db.system(ONBOARDING, async (tx) => {
        const stale = await repo.staleDrafts(tx, before);
        for (const s of stale) {
          await repo.expire(tx, s.id);
          await repo.keepOnlyTokens(tx, s.id, []);
          await audit.record(tx, { tenantId: null, actor: { kind: 'system', label: 'draft-expiry' }, action: 'registration.expire', objectType: 'registration', objectId: s.id });
          if (s.license_blob) {
            const blob = s.license_blob;
            tx.afterCommit(() => ctx.blobs.remove(P, blob));
          }
        }
        return stale.length;
      });
    },

    privacyTerms(locale: Locale) {
      return {
        version: ctx.config.privacyVersion,
        title: locale === 'en' ? 'Privacy terms for registration' : '注册隐私条款',
        body:
          locale === 'en'
            ? 'Pactum processes the company and contact data you enter, and the business license you upload, only to review your registration and to set up and run your tenant. Contact data and the license are stored encrypted; access by reviewers is logged. Drafts that are not continued are deleted after 30 days. You may withdraw the application at any time.'
            : 'Pactum 仅为审核您的注册申请以及开通、运营租户之目的处理您填写的企业信息、联系人信息和上传的营业执照。联系人信息和营业执照加密存储，审核人员的每次查阅均有记录。未继续填写的草稿将在 30 天后删除。您可以随时撤回申请。',
      };
    },
  };
}

export type OnboardingService = ReturnType<typeof onboardingService>;
