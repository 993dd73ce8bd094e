import crypto from 'node:crypto';
import QRCode from 'qrcode';
import type { AppContext } from '../../platform/context.js';
import { probe, type Tx } from '../../platform/db/index.js';
import type { KeyOwner } from '../../platform/crypto.js';
import { audit, type Actor, type RequestMeta } from '../../platform/audit.js';
import { AppError, fieldError, invalid, notFound, unauthorized } from '../../platform/http/errors.js';
import { randomDigits, randomToken, sha256, timingSafeEqualStr } from '../../platform/crypto.js';
import { emailKey } from '../../platform/validation.js';
import { securityRepo as repo, type SessionRow, type TenantRow, type UserRow } from './repo.js';
import { checkPasswordPolicy, generatePassword, hashPassword, verifyPassword } from '../../platform/passwords.js';
import { checkTotp, newTotpSecret, totpUri } from './totp.js';
import { fileSmsProvider, phoneHint, type SmsProvider } from './sms.js';
import { LOCKOUT, accountKey, clearKey, countFailure, ipKey, lockedUntil } from './throttle.js';
import { ipAllowed, loadPolicy, mfaRequiredFor, parseCidr, savePolicy, type MfaMethod, type SecurityPolicy } from './policy.js';
import {
  authenticationOptions,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type StoredCredential,
} from './webauthn.js';
import { securityMail } from './mail.js';

type Locale = 'zh-CN' | 'en';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  kind: 'platform' | 'tenant';
  roles: string[];
  mustChangePassword: boolean;
  /** The security policy requires a second factor this session has not proven (enrol one first). */
  mfaSetupRequired: boolean;
}

export interface AuthTenant {
  id: string;
  name: string;
  uscc: string;
  status: string;
  plan: string;
  timeZone: string;
}

/** What a signed-in request knows about its caller. The tenant comes from here and nowhere else. */
export interface Auth {
  sessionId: string;
  csrfToken: string;
  user: AuthUser;
  tenant: AuthTenant | null;
  /** When the user last proved who they are in this session (sign-in or re-authentication). */
  reauthAt: Date | null;
  /** How the session was authenticated: pwd, otp, hwk (passkey), sms, rec. */
  amr: string[];
  /**
   * Set when the request authenticated with an API key (`Authorization: Bearer pk_…`) instead of a session:
   * permissions come from the key's role, the data reach from `user` (the key's creator), and every audit
   * event is recorded as the key (actor kind `api_key`, on behalf of the creator).
   */
  apiKey?: AuthApiKey | null;
}

export interface AuthApiKey {
  id: string;
  name: string;
  roleId: string;
  roleKey: string;
}

export function actorOf(auth: Auth): Actor {
  if (auth.apiKey) return { kind: 'api_key', id: auth.apiKey.id, label: auth.apiKey.name, onBehalfOf: auth.user.id };
  return {
    kind: auth.user.kind === 'platform' ? 'platform_user' : 'tenant_user',
    id: auth.user.id,
    label: auth.user.email,
  };
}

function toUser(u: UserRow, kind: 'platform' | 'tenant', mfaSetupRequired = false): AuthUser {
  return { id: u.id, email: u.email, name: u.name, kind, roles: u.roles ?? [], mustChangePassword: u.must_change_password, mfaSetupRequired };
}

function toTenant(t: TenantRow): AuthTenant {
  return { id: t.id, name: t.name, uscc: t.uscc, status: t.status, plan: t.plan, timeZone: t.time_zone };
}

export interface LoginResult {
  token: string;
  auth: Auth;
}

export type LoginOutcome =
  | ({ kind: 'session' } & LoginResult)
  | { kind: 'mfa'; challengeId: string; methods: MfaMethod[]; webauthn?: unknown };

interface Found {
  kind: 'platform' | 'tenant';
  user: UserRow;
  tenant: TenantRow | null;
}

const SECOND_FACTOR_AMR = ['otp', 'hwk', 'sms', 'rec'];
const AMR_OF: Record<MfaMethod, string> = { totp: 'otp', webauthn: 'hwk', sms: 'sms', recovery: 'rec' };
const CHALLENGE_MINUTES = 10;
const MAX_ATTEMPTS = 5;
const SMS_CODE_DIGITS = 6;
const SMS_MAX_PER_CHALLENGE = 3;
const RESET_MINUTES = 30;
const RECOVERY_CODES = 10;

const ownerOf = (tenantId: string | null): KeyOwner => (tenantId ? { tenantId } : 'platform');
const actorFor = (f: { kind: 'platform' | 'tenant'; user: { id: string; email: string } }): Actor => ({
  kind: f.kind === 'platform' ? 'platform_user' : 'tenant_user',
  id: f.user.id,
  label: f.user.email,
});

/** xxxxx-xxxxx from an unambiguous alphabet. */
function recoveryCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < 10; i++) s += alphabet[crypto.randomInt(alphabet.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}
const normalizeRecovery = (c: string) => c.trim().toLowerCase().replace(/[^a-z0-9]/g, '');

export interface FactorInput {
  code?: string;
  webauthnResponse?: AuthenticationResponseJSON;
}

export function securityService(ctx: AppContext, opts: { sms?: SmsProvider } = {}) {
  const { db } = ctx;
  const sms = opts.sms ?? fileSmsProvider(ctx.config.dataDir);

  async function loadUser(tx: Tx, kind: 'platform' | 'tenant', tenantId: string | null, userId: string): Promise<Found | null> {
    if (kind === 'platform') {
      const user = await repo.platformUser(tx, userId);
      return user ? { kind, user, tenant: null } : null;
    }
    await tx.actAsTenant(tenantId!);
    const user = await repo.tenantUser(tx, tenantId!, userId);
    const tenant = await repo.tenant(tx, tenantId!);
    return user && tenant ? { kind, user, tenant } : null;
  }

  /** A transaction scoped to the signed-in user's side: their tenant, or the platform. */
  function asUser<T>(auth: Auth, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return auth.tenant ? db.tenant(auth.tenant.id, fn) : db.platform(fn);
  }

  async function enrolledMethods(tx: Tx, userId: string): Promise<MfaMethod[]> {
    const r = await tx.one<{ totp: boolean; webauthn: boolean; sms: boolean; recovery: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM mfa_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL) AS totp,
              EXISTS (SELECT 1 FROM webauthn_credentials WHERE user_id = $1) AS webauthn,
              EXISTS (SELECT 1 FROM mfa_phones WHERE user_id = $1 AND verified_at IS NOT NULL) AS sms,
              EXISTS (SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL) AS recovery`,
      [userId],
    );
    const m: MfaMethod[] = [];
    if (r.totp) m.push('totp');
    if (r.webauthn) m.push('webauthn');
    if (r.sms) m.push('sms');
    // Recovery codes stand in for a lost factor; alone they are not a factor.
    if (r.recovery && m.length) m.push('recovery');
    return m;
  }

  async function credentials(tx: Tx, userId: string): Promise<StoredCredential[]> {
    return tx.query<StoredCredential>(`SELECT id, public_key, counter, transports FROM webauthn_credentials WHERE user_id = $1`, [userId]);
  }

  async function otherSessionCount(tx: Tx, userId: string, keepId: string): Promise<number> {
    const r = await tx.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL AND expires_at > $3`,
      [userId, keepId, ctx.now()],
    );
    return r.n;
  }

  /**
   * Checks one second factor of a user inside tx. TOTP codes are accepted once (the last used step is
   * stored); recovery codes are spent; passkey counters move forward. `challenge` holds the WebAuthn
   * challenge or the SMS code of the attempt it belongs to.
   */
  async function verifyFactor(
    tx: Tx,
    subject: { userId: string; tenantId: string | null },
    method: MfaMethod,
    input: FactorInput,
    challenge: { webauthn_challenge: string | null; code_hash: string | null; code_expires_at: Date | null } | null,
  ): Promise<boolean> {
    const now = ctx.now();
    const owner = ownerOf(subject.tenantId);
    switch (method) {
      case 'totp': {
        const row = await tx.maybeOne<{ secret_enc: string; last_step: number }>(
          `SELECT secret_enc, last_step FROM mfa_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL FOR UPDATE`,
          [subject.userId],
        );
        if (!row || !input.code) return false;
        const secret = await ctx.keys.decryptText(tx, owner, row.secret_enc);
        const step = await checkTotp(secret, input.code.trim(), now, Number(row.last_step));
        if (step === null) return false;
        await tx.execute(`UPDATE mfa_totp SET last_step = $2 WHERE user_id = $1`, [subject.userId, step]);
        return true;
      }
      case 'recovery': {
        if (!input.code) return false;
        const hash = ctx.keys.blindIndex('recovery-code', owner, normalizeRecovery(input.code));
        const n = await tx.execute(
          `UPDATE mfa_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
          [subject.userId, hash, now],
        );
        return n === 1;
      }
      case 'sms': {
        if (!input.code || !challenge?.code_hash || !challenge.code_expires_at) return false;
        if (challenge.code_expires_at.getTime() <= now.getTime()) return false;
        return timingSafeEqualStr(ctx.keys.blindIndex('sms-code', owner, input.code.trim()), challenge.code_hash);
      }
      case 'webauthn': {
        const resp = input.webauthnResponse;
        if (!resp || !challenge?.webauthn_challenge) return false;
        const cred = await tx.maybeOne<StoredCredential>(
          `SELECT id, public_key, counter, transports FROM webauthn_credentials WHERE id = $1 AND user_id = $2`,
          [resp.id, subject.userId],
        );
        if (!cred) return false;
        const r = await verifyAuthentication(ctx.config, resp, challenge.webauthn_challenge, cred);
        if (!r) return false;
        await tx.execute(`UPDATE webauthn_credentials SET counter = $2, last_used_at = $3 WHERE id = $1`, [cred.id, r.newCounter, now]);
        return true;
      }
    }
  }

  async function createSession(tx: Tx, found: Found, meta: RequestMeta, amr: string[], mfaSetupRequired: boolean): Promise<LoginResult> {
    const token = randomToken(32);
    const csrf = randomToken(24);
    const sessionId = crypto.randomUUID();
    const now = ctx.now();
    const tenantId = found.tenant?.id ?? null;
    const policy = await loadPolicy(tx, tenantId);
    const ttl = Math.min(ctx.config.sessionTtlSeconds, policy.sessionAbsoluteMinutes * 60);
    await repo.insertSession(tx, {
      id: sessionId,
      tokenHash: sha256(token),
      csrf,
      kind: found.kind,
      tenantId,
      userId: found.user.id,
      ip: meta.ip ?? null,
      ua: meta.userAgent?.slice(0, 512) ?? null,
      expiresAt: new Date(now.getTime() + ttl * 1000),
    });
    await tx.execute(`UPDATE sessions SET reauth_at = $2, amr = $3, created_at = $2, last_seen_at = $2 WHERE id = $1`, [sessionId, now, amr]);
    if (found.kind === 'platform') await repo.markPlatformLogin(tx, found.user.id);
    else await repo.markTenantLogin(tx, tenantId!, found.user.id);
    await clearKey(tx, accountKey(emailKey(found.user.email)));
    await audit.record(tx, {
      tenantId,
      actor: actorFor(found),
      action: 'auth.login',
      objectType: 'session',
      objectId: sessionId,
      details: { amr },
      meta,
    });
    return {
      token,
      auth: {
        sessionId,
        csrfToken: csrf,
        user: toUser(found.user, found.kind, mfaSetupRequired),
        tenant: found.tenant ? toTenant(found.tenant) : null,
        reauthAt: now,
        amr,
      },
    };
  }

  /** Counts a failed sign-in step against the account and the client address; mails the user when it locks. */
  async function registerFailure(
    found: Found | null,
    key: string,
    reason: string,
    meta: RequestMeta,
    locale: Locale,
    extra: (tx: Tx) => Promise<void> = async () => undefined,
  ): Promise<void> {
    const now = ctx.now();
    await db.platform(async (tx) => {
      await extra(tx);
      const acctUntil = await countFailure(tx, accountKey(key), LOCKOUT.account, now);
      const ipUntil = await countFailure(tx, ipKey(meta.ip), LOCKOUT.ip, now);
      const tenantId = found?.tenant?.id ?? null;
      if (tenantId) await tx.actAsTenant(tenantId);
      await audit.record(tx, {
        tenantId,
        actor: found ? actorFor(found) : { kind: 'anonymous', label: key },
        action: 'auth.login',
        outcome: 'failure',
        details: { reason },
        meta,
      });
      if (ipUntil) {
        await audit.record(tx, { tenantId, actor: { kind: 'system', label: 'lockout' }, action: 'auth.lockout.ip', details: { ip: meta.ip ?? null, until: ipUntil.toISOString() }, meta });
      }
      if (acctUntil) {
        await audit.record(tx, {
          tenantId,
          actor: { kind: 'system', label: 'lockout' },
          action: 'auth.lockout.account',
          objectType: found ? 'user' : null,
          objectId: found?.user.id ?? null,
          details: { account: key, until: acctUntil.toISOString() },
          meta,
        });
        if (found) {
          const minutes = Math.round((acctUntil.getTime() - now.getTime()) / 60_000);
          const mail = securityMail.locked(locale, found.user.email, minutes, meta.ip ?? null, `${ctx.config.publicUrl}/reset-password`);
          tx.afterCommit(() => ctx.mailer.send({ ...mail, tenantId: tenantId ?? undefined }));
        }
      }
    });
  }

  const lockError = (until: Date, status: 423 | 429) => {
    const secs = Math.max(1, Math.ceil((until.getTime() - ctx.now().getTime()) / 1000));
    return new AppError(status, status === 423 ? 'account_locked' : 'login_ip_locked', { minutes: Math.ceil(secs / 60) }, [], { 'Retry-After': String(secs) });
  };

  async function checkLocks(key: string, meta: RequestMeta, found?: Found | null, action = 'auth.login'): Promise<void> {
    const now = ctx.now();
    const locks = await db.platform(async (tx) => ({ ip: await lockedUntil(tx, ipKey(meta.ip), now), acct: await lockedUntil(tx, accountKey(key), now) }));
    if (!locks.ip && !locks.acct) return;
    await audit.recordAlone(db, {
      tenantId: found?.tenant?.id ?? null,
      actor: found ? actorFor(found) : { kind: 'anonymous', label: key },
      action,
      outcome: 'denied',
      details: { reason: locks.ip ? 'ip_locked' : 'account_locked' },
      meta,
    });
    if (locks.ip) throw lockError(locks.ip, 429);
    throw lockError(locks.acct!, 423);
  }

  async function issueReset(found: Found, locale: Locale): Promise<void> {
    const token = randomToken(32);
    await db.platform(async (tx) => {
      if (found.tenant) await tx.actAsTenant(found.tenant.id);
      await tx.execute(`UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [found.user.id]);
      await tx.execute(
        `INSERT INTO password_resets (token_hash, kind, tenant_id, user_id, expires_at) VALUES ($1,$2,coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'),$4,$5)`,
        [sha256(token), found.kind, found.tenant?.id ?? null, found.user.id, new Date(ctx.now().getTime() + RESET_MINUTES * 60_000)],
      );
      await audit.record(tx, { tenantId: found.tenant?.id ?? null, actor: actorFor(found), action: 'auth.password_reset.request', objectType: 'user', objectId: found.user.id });
      const mail = securityMail.reset(locale, found.user.email, `${ctx.config.publicUrl}/reset-password?token=${encodeURIComponent(token)}`, RESET_MINUTES);
      tx.afterCommit(() => ctx.mailer.send({ ...mail, tenantId: found.tenant?.id }));
    });
  }

  /** The account of a login e-mail: auth scope, probing that one e-mail key, then its user (and tenant). */
  async function findByEmail(email: string): Promise<Found | null> {
    return db.system('auth', async (tx) => {
      await probe(tx, 'email_key', emailKey(email));
      const ident = await repo.findIdentity(tx, emailKey(email));
      if (!ident) return null;
      if (ident.kind === 'platform') await probe(tx, 'user_id', ident.user_id);
      return loadUser(tx, ident.kind, ident.tenant_id, ident.user_id);
    });
  }

  function policyDenied(policy: SecurityPolicy, ip: string | null | undefined): boolean {
    return !ipAllowed(ip, policy.ipAllowlist);
  }

  return {
    /**
     * Password sign-in (step 1). Locked accounts and addresses are refused before the password is checked.
     * A user with a second factor gets a challenge (no session yet); otherwise a new session is issued.
     */
    async login(email: string, password: string, meta: RequestMeta, locale: Locale = 'zh-CN'): Promise<LoginOutcome> {
      const key = emailKey(email);
      await checkLocks(key, meta);
      const found = await findByEmail(email);
      const ok = await verifyPassword(found?.user.password_hash, password);
      const tenantId = found?.tenant?.id ?? null;
      if (!found || !ok) {
        await registerFailure(found, key, 'invalid_credentials', meta, locale);
        throw new AppError(401, 'invalid_credentials');
      }
      const deny = async (code: string, status: number, params: Record<string, string> = {}) => {
        await audit.recordAlone(db, { tenantId, actor: actorFor(found), action: 'auth.login', outcome: 'denied', details: { reason: code }, meta });
        return new AppError(status, code, params);
      };
      if (found.user.status !== 'active') throw await deny('account_disabled', 403);
      if (found.tenant && found.tenant.status === 'terminated') throw await deny('tenant_not_active', 403, { status: found.tenant.status });

      const now = ctx.now();
      type Step = { denied: true } | { session: LoginResult } | { challenge: { challengeId: string; methods: MfaMethod[]; webauthn: unknown } };
      const result: Step = await db.platform(async (tx): Promise<Step> => {
        if (tenantId) await tx.actAsTenant(tenantId);
        const policy = await loadPolicy(tx, tenantId);
        if (policyDenied(policy, meta.ip)) return { denied: true };
        const methods = (await enrolledMethods(tx, found.user.id)).filter((m) => policy.allowedMethods.includes(m));
        if (!methods.length) {
          const setup = mfaRequiredFor(policy, found.user.roles ?? []);
          return { session: await createSession(tx, found, meta, ['pwd'], setup) };
        }
        const challengeId = randomToken(32);
        let webauthnChallenge: string | null = null;
        let webauthn: unknown;
        if (methods.includes('webauthn')) {
          const options = await authenticationOptions(ctx.config, await credentials(tx, found.user.id));
          webauthnChallenge = options.challenge;
          webauthn = options;
        }
        await tx.execute(
          `INSERT INTO auth_challenges (id_hash, purpose, kind, tenant_id, user_id, webauthn_challenge, ip, created_at, expires_at)
           VALUES ($1, 'login', $2, coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'), $4, $5, $6, $7, $8)`,
          [sha256(challengeId), found.kind, tenantId, found.user.id, webauthnChallenge, meta.ip ?? null, now, new Date(now.getTime() + CHALLENGE_MINUTES * 60_000)],
        );
        await audit.record(tx, { tenantId, actor: actorFor(found), action: 'auth.login.password_ok', details: { methods }, meta });
        return { challenge: { challengeId, methods, webauthn } };
      });
      if ('denied' in result) throw await deny('ip_not_allowed', 403, { ip: meta.ip ?? '' });
      if ('session' in result) return { kind: 'session', ...result.session };
      return { kind: 'mfa', ...result.challenge };
    },

    /** Sends an SMS code for a pending sign-in, only to the user's verified number. */
    async loginSendSms(challengeId: string, meta: RequestMeta): Promise<{ sentTo: string; expiresInMinutes: number }> {
      const now = ctx.now();
      const r = await db.platform(async (tx) => {
        const ch = await tx.maybeOne<{ tenant_id: string | null; user_id: string; sms_sent: number; code_sent_at: Date | null; expires_at: Date; consumed_at: Date | null }>(
          `SELECT nullif(tenant_id, '00000000-0000-0000-0000-000000000000') AS tenant_id, user_id, sms_sent, code_sent_at, expires_at, consumed_at FROM auth_challenges WHERE id_hash = $1 AND purpose = 'login' FOR UPDATE`,
          [sha256(challengeId)],
        );
        if (!ch || ch.consumed_at || ch.expires_at.getTime() <= now.getTime()) throw new AppError(401, 'mfa_challenge_invalid');
        if (ch.tenant_id) await tx.actAsTenant(ch.tenant_id);
        const policy = await loadPolicy(tx, ch.tenant_id);
        if (!policy.allowedMethods.includes('sms')) throw new AppError(400, 'mfa_method_unavailable');
        const phone = await tx.maybeOne<{ phone_enc: string; phone_hint: string }>(
          `SELECT phone_enc, phone_hint FROM mfa_phones WHERE user_id = $1 AND verified_at IS NOT NULL`,
          [ch.user_id],
        );
        if (!phone) throw new AppError(400, 'phone_not_verified');
        if (ch.sms_sent >= SMS_MAX_PER_CHALLENGE || (ch.code_sent_at && now.getTime() - ch.code_sent_at.getTime() < 30_000)) {
          throw new AppError(429, 'sms_rate_limited', {}, [], { 'Retry-After': '30' });
        }
        const owner = ownerOf(ch.tenant_id);
        const code = randomDigits(SMS_CODE_DIGITS);
        await tx.execute(
          `UPDATE auth_challenges SET code_hash = $2, code_sent_at = $3, code_expires_at = $4, sms_sent = sms_sent + 1 WHERE id_hash = $1`,
          [sha256(challengeId), ctx.keys.blindIndex('sms-code', owner, code), now, new Date(now.getTime() + CHALLENGE_MINUTES * 60_000)],
        );
        const to = await ctx.keys.decryptText(tx, owner, phone.phone_enc);
        await audit.record(tx, { tenantId: ch.tenant_id, actor: { kind: 'system', label: 'sms' }, action: 'auth.mfa.sms_sent', objectType: 'user', objectId: ch.user_id, meta });
        tx.afterCommit(() => sms.send({ to, text: `【Pactum】登录验证码 ${code}，${CHALLENGE_MINUTES} 分钟内有效，请勿告知他人。Your Pactum sign-in code: ${code}` }));
        return { sentTo: phone.phone_hint, expiresInMinutes: CHALLENGE_MINUTES };
      });
      return r;
    },

    /** Completes a sign-in with a second factor; issues a new session. Attempts per challenge are limited. */
    async loginMfa(challengeId: string, method: MfaMethod, input: FactorInput, meta: RequestMeta, locale: Locale = 'zh-CN'): Promise<LoginResult> {
      const now = ctx.now();
      // The second step respects the account and address locks like the first (a lock set meanwhile stops it).
      const pending = await db.platform(async (tx) => {
        const c = await tx.maybeOne<{ kind: 'platform' | 'tenant'; tenant_id: string | null; user_id: string }>(
          `SELECT kind, tenant_id, user_id FROM auth_challenges WHERE id_hash = $1 AND purpose = 'login'`,
          [sha256(challengeId)],
        );
        return c ? loadUser(tx, c.kind, c.tenant_id, c.user_id) : null;
      });
      if (pending) await checkLocks(emailKey(pending.user.email), meta, pending);
      type Out = { ok: LoginResult } | { error: AppError } | { failed: Found };
      const out: Out = await db.platform(async (tx): Promise<Out> => {
        const ch = await tx.maybeOne<{
          kind: 'platform' | 'tenant'; tenant_id: string | null; user_id: string; webauthn_challenge: string | null; code_hash: string | null;
          code_expires_at: Date | null; attempts: number; expires_at: Date; consumed_at: Date | null; amr?: string;
        }>(`SELECT kind, nullif(tenant_id, '00000000-0000-0000-0000-000000000000') AS tenant_id, user_id, webauthn_challenge, code_hash, code_sent_at, code_expires_at, sms_sent, attempts, expires_at, consumed_at
               FROM auth_challenges WHERE id_hash = $1 AND purpose = 'login' FOR UPDATE`, [sha256(challengeId)]);
        if (!ch || ch.consumed_at || ch.expires_at.getTime() <= now.getTime()) return { error: new AppError(401, 'mfa_challenge_invalid') };
        if (ch.attempts >= MAX_ATTEMPTS) return { error: new AppError(429, 'mfa_too_many_attempts', {}, [], { 'Retry-After': '60' }) };
        const found = await loadUser(tx, ch.kind, ch.tenant_id, ch.user_id);
        if (!found || found.user.status !== 'active') return { error: new AppError(401, 'mfa_challenge_invalid') };
        const policy = await loadPolicy(tx, ch.tenant_id);
        const methods = (await enrolledMethods(tx, ch.user_id)).filter((m) => policy.allowedMethods.includes(m));
        if (!methods.includes(method)) return { error: new AppError(400, 'mfa_method_unavailable') };
        const ok = await verifyFactor(tx, { userId: ch.user_id, tenantId: ch.tenant_id }, method, input, ch);
        if (!ok) return { failed: found };
        await tx.execute(`UPDATE auth_challenges SET consumed_at = $2 WHERE id_hash = $1`, [sha256(challengeId), now]);
        return { ok: await createSession(tx, found, meta, ['pwd', AMR_OF[method]], false) };
      });
      if ('ok' in out) return out.ok;
      if ('error' in out) throw out.error;
      await registerFailure(out.failed, emailKey(out.failed.user.email), `mfa_${method}_invalid`, meta, locale, async (tx) => {
        await tx.execute(`UPDATE auth_challenges SET attempts = attempts + 1 WHERE id_hash = $1`, [sha256(challengeId)]);
      });
      throw new AppError(401, 'mfa_code_invalid');
    },

    /**
     * Resolves a session cookie on every request: revoked, expired or idle sessions (by the tenant's
     * policy), disabled users, terminated tenants and addresses outside the allow-list stop at once.
     */
    async resolve(token: string, ip?: string | null): Promise<Auth | null | { blocked: string }> {
      if (!token || token.length > 100) return null;
      const now = ctx.now();
      // The auth scope, not the platform one: RLS shows this one session (by its token hash), then its
      // tenant's rows (actAsTenant in loadUser) or its platform operator, and nothing else.
      return db.system('auth', async (tx) => {
        const hash = sha256(token);
        await probe(tx, 'token_hash', hash.toString('hex'));
        const s = await tx.maybeOne<SessionRow & { reauth_at: Date | null; amr: string[] }>(
          `SELECT id, csrf_token, kind, nullif(tenant_id, '00000000-0000-0000-0000-000000000000') AS tenant_id, user_id, created_at, last_seen_at,
                  expires_at, revoked_at, reauth_at, amr FROM sessions WHERE token_hash = $1`,
          [hash],
        );
        if (!s || s.revoked_at) return null;
        if (s.expires_at.getTime() <= now.getTime()) return null;
        if (s.kind === 'platform') await probe(tx, 'user_id', s.user_id);
        const loaded = await loadUser(tx, s.kind, s.tenant_id, s.user_id);
        if (!loaded || loaded.user.status !== 'active') return null;
        if (loaded.tenant && loaded.tenant.status === 'terminated') return null;
        const policy = await loadPolicy(tx, s.tenant_id);
        const idle = Math.min(ctx.config.sessionIdleSeconds, policy.sessionIdleMinutes * 60) * 1000;
        if (now.getTime() - s.last_seen_at.getTime() > idle) {
          await repo.revokeSession(tx, s.id, 'idle');
          return null;
        }
        if (now.getTime() - s.created_at.getTime() > policy.sessionAbsoluteMinutes * 60_000) {
          await repo.revokeSession(tx, s.id, 'absolute_lifetime');
          return null;
        }
        if (!ipAllowed(ip, policy.ipAllowlist)) {
          tx.afterCommit(() =>
            audit.recordAlone(db, {
              tenantId: s.tenant_id,
              actor: actorFor({ kind: s.kind, user: loaded.user }),
              action: 'auth.ip_denied',
              outcome: 'denied',
              objectType: 'session',
              objectId: s.id,
              meta: { ip: ip ?? null },
            }),
          );
          return { blocked: ip ?? '' };
        }
        if (now.getTime() - s.last_seen_at.getTime() > 60_000) await repo.touchSession(tx, s.id, now);
        const amr = s.amr ?? ['pwd'];
        const setup = mfaRequiredFor(policy, loaded.user.roles ?? []) && !amr.some((a) => SECOND_FACTOR_AMR.includes(a));
        return {
          sessionId: s.id,
          csrfToken: s.csrf_token,
          user: toUser(loaded.user, s.kind, setup),
          tenant: loaded.tenant ? toTenant(loaded.tenant) : null,
          reauthAt: s.reauth_at,
          amr,
        };
      });
    },

    async logout(auth: Auth, meta: RequestMeta): Promise<void> {
      await asUser(auth, async (tx) => {
        await repo.revokeSession(tx, auth.sessionId, 'logout');
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'auth.logout', objectType: 'session', objectId: auth.sessionId, meta });
      });
    },

    /** Changes the caller's password; other sessions of the user end; the system-issued flag clears. */
    async changePassword(auth: Auth, currentPassword: string, newPassword: string, meta: RequestMeta): Promise<void> {
      const policy = await asUser(auth, (tx) => loadPolicy(tx, auth.tenant?.id ?? null));
      const errors = checkPasswordPolicy(newPassword, { email: auth.user.email, name: auth.user.name });
      if ([...newPassword].length < policy.passwordMinLength && !errors.some((e) => e.code === 'password_too_short')) {
        errors.push({ path: 'newPassword', code: 'password_too_short', params: { min: policy.passwordMinLength } });
      }
      if (currentPassword === newPassword) errors.push({ path: 'newPassword', code: 'password_reused' });
      // The signed-in user's own side: their tenant's scope (a tenant user), or the platform (an operator).
      const row = await asUser(auth, (tx) =>
        auth.tenant ? repo.tenantUser(tx, auth.tenant.id, auth.user.id) : repo.platformUser(tx, auth.user.id),
      );
      if (!(await verifyPassword(row?.password_hash, currentPassword))) {
        await audit.recordAlone(db, {
          tenantId: auth.tenant?.id ?? null,
          actor: actorOf(auth),
          action: 'auth.password.change',
          outcome: 'failure',
          details: { reason: 'current_password_wrong' },
          meta,
        });
        throw new AppError(422, 'validation_failed', {}, [{ path: 'currentPassword', code: 'current_password_wrong' }]);
      }
      if (errors.length) throw invalid(errors);
      const hash = await hashPassword(newPassword);
      await asUser(auth, async (tx) => {
        if (auth.user.kind === 'platform') await repo.setPlatformPassword(tx, auth.user.id, hash);
        else await repo.setTenantPassword(tx, auth.tenant!.id, auth.user.id, hash);
        await repo.revokeOtherSessions(tx, auth.user.id, auth.sessionId, 'password_changed');
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'auth.password.change', objectType: 'user', objectId: auth.user.id, meta });
      });
    },

    // Password reset -----------------------------------------------------------------------------

    /** Always succeeds from the outside (no account enumeration); mails a single-use link when the account exists. */
    async requestPasswordReset(email: string, meta: RequestMeta, locale: Locale): Promise<void> {
      const found = await findByEmail(email);
      if (!found || found.user.status !== 'active' || (found.tenant && found.tenant.status === 'terminated')) {
        await audit.recordAlone(db, { tenantId: null, actor: { kind: 'anonymous', label: emailKey(email) }, action: 'auth.password_reset.request', outcome: 'failure', details: { reason: 'unknown_account' }, meta });
        return;
      }
      await issueReset(found, locale);
    },

    /**
     * Sets a new password from a reset link. Ends every session of the user and clears the account lock;
     * it signs nobody in, so the second factor is still needed at the next sign-in.
     */
    async confirmPasswordReset(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
      const now = ctx.now();
      const row = await db.platform((tx) =>
        tx.maybeOne<{ kind: 'platform' | 'tenant'; tenant_id: string | null; user_id: string; expires_at: Date; used_at: Date | null }>(
          `SELECT kind, nullif(tenant_id, '00000000-0000-0000-0000-000000000000') AS tenant_id, user_id, expires_at, used_at FROM password_resets WHERE token_hash = $1`,
          [sha256(token)],
        ),
      );
      if (!row || row.used_at || row.expires_at.getTime() <= now.getTime()) throw new AppError(400, 'reset_token_invalid');
      const found = await db.platform((tx) => loadUser(tx, row.kind, row.tenant_id, row.user_id));
      if (!found) throw new AppError(400, 'reset_token_invalid');
      const policy = await db.platform(async (tx) => {
        if (row.tenant_id) await tx.actAsTenant(row.tenant_id);
        return loadPolicy(tx, row.tenant_id);
      });
      const errors = checkPasswordPolicy(newPassword, { email: found.user.email, name: found.user.name });
      if ([...newPassword].length < policy.passwordMinLength && !errors.some((e) => e.code === 'password_too_short')) {
        errors.push({ path: 'newPassword', code: 'password_too_short', params: { min: policy.passwordMinLength } });
      }
      if (errors.length) throw invalid(errors);
      const hash = await hashPassword(newPassword);
      await db.platform(async (tx) => {
        const used = await tx.execute(`UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL`, [sha256(token), now]);
        if (used !== 1) throw new AppError(400, 'reset_token_invalid');
        if (row.tenant_id) await tx.actAsTenant(row.tenant_id);
        if (row.kind === 'platform') await repo.setPlatformPassword(tx, row.user_id, hash);
        else await repo.setTenantPassword(tx, row.tenant_id!, row.user_id, hash);
        const ended = await repo.revokeOtherSessions(tx, row.user_id, null, 'password_reset');
        await clearKey(tx, accountKey(emailKey(found.user.email)));
        await audit.record(tx, { tenantId: row.tenant_id, actor: actorFor(found), action: 'auth.password_reset.confirm', objectType: 'user', objectId: row.user_id, details: { sessionsEnded: ended }, meta });
      });
    },

    // Re-authentication ----------------------------------------------------------------------------

    /** WebAuthn options for re-authenticating with a passkey. */
    async reauthOptions(auth: Auth) {
      return asUser(auth, async (tx) => {
        const creds = await credentials(tx, auth.user.id);
        if (!creds.length) throw new AppError(400, 'mfa_method_unavailable');
        const options = await authenticationOptions(ctx.config, creds);
        await tx.execute(`DELETE FROM auth_challenges WHERE user_id = $1 AND purpose = 'webauthn_reauth'`, [auth.user.id]);
        await tx.execute(
          `INSERT INTO auth_challenges (id_hash, purpose, kind, tenant_id, user_id, session_id, webauthn_challenge, expires_at)
           VALUES ($1, 'webauthn_reauth', $2, coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'), $4, $5, $6, $7)`,
          [sha256(randomToken(16)), auth.user.kind, auth.tenant?.id ?? null, auth.user.id, auth.sessionId, options.challenge, new Date(ctx.now().getTime() + 5 * 60_000)],
        );
        return options;
      });
    },

    /**
     * Sends an SMS code to re-authenticate this session (SMS must be allowed by the policy and the number
     * verified). The code is bound to the session; at most 3 sends per challenge and one per 30 s.
     */
    async reauthSendSms(auth: Auth, meta: RequestMeta): Promise<{ sentTo: string; expiresInMinutes: number }> {
      const now = ctx.now();
      const tenantId = auth.tenant?.id ?? null;
      return asUser(auth, async (tx) => {
        const policy = await loadPolicy(tx, tenantId);
        if (!policy.allowedMethods.includes('sms')) throw new AppError(400, 'mfa_method_unavailable');
        const phone = await tx.maybeOne<{ phone_enc: string; phone_hint: string }>(
          `SELECT phone_enc, phone_hint FROM mfa_phones WHERE user_id = $1 AND verified_at IS NOT NULL`,
          [auth.user.id],
        );
        if (!phone) throw new AppError(400, 'phone_not_verified');
        let ch = await tx.maybeOne<{ id_hash: Buffer; sms_sent: number; code_sent_at: Date | null }>(
          `SELECT id_hash, sms_sent, code_sent_at FROM auth_challenges
            WHERE user_id = $1 AND purpose = 'sms_reauth' AND session_id = $2 AND consumed_at IS NULL AND expires_at > $3 AND attempts < $4
            ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
          [auth.user.id, auth.sessionId, now, MAX_ATTEMPTS],
        );
        if (ch && (ch.sms_sent >= SMS_MAX_PER_CHALLENGE || (ch.code_sent_at && now.getTime() - ch.code_sent_at.getTime() < 30_000))) {
          throw new AppError(429, 'sms_rate_limited', {}, [], { 'Retry-After': '30' });
        }
        if (!ch) {
          const idHash = sha256(randomToken(16));
          await tx.execute(
            `INSERT INTO auth_challenges (id_hash, purpose, kind, tenant_id, user_id, session_id, ip, created_at, expires_at)
             VALUES ($1, 'sms_reauth', $2, coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'), $4, $5, $6, $7, $8)`,
            [idHash, auth.user.kind, tenantId, auth.user.id, auth.sessionId, meta.ip ?? null, now, new Date(now.getTime() + CHALLENGE_MINUTES * 60_000)],
          );
          ch = { id_hash: idHash, sms_sent: 0, code_sent_at: null };
        }
        const owner = ownerOf(tenantId);
        const code = randomDigits(SMS_CODE_DIGITS);
        await tx.execute(
          `UPDATE auth_challenges SET code_hash = $2, code_sent_at = $3, code_expires_at = $4, sms_sent = sms_sent + 1 WHERE id_hash = $1`,
          [ch.id_hash, ctx.keys.blindIndex('sms-code', owner, code), now, new Date(now.getTime() + CHALLENGE_MINUTES * 60_000)],
        );
        const to = await ctx.keys.decryptText(tx, owner, phone.phone_enc);
        await audit.record(tx, { tenantId, actor: { kind: 'system', label: 'sms' }, action: 'auth.mfa.sms_sent', objectType: 'user', objectId: auth.user.id, details: { purpose: 'reauth' }, meta });
        tx.afterCommit(() => sms.send({ to, text: `【Pactum】身份确认验证码 ${code}，${CHALLENGE_MINUTES} 分钟内有效，请勿告知他人。Your Pactum confirmation code: ${code}` }));
        return { sentTo: phone.phone_hint, expiresInMinutes: CHALLENGE_MINUTES };
      });
    },

    /**
     * Confirms the caller's identity again (password or a factor). Account and address locks apply, and a
     * failure counts towards them. Success issues a new session id (new token and CSRF token, same absolute
     * lifetime, `reauth_at` = now) and ends the old session (`reauth_rotated`): a copied cookie stops working.
     */
    async reauth(auth: Auth, input: { password?: string; method?: MfaMethod } & FactorInput, meta: RequestMeta, locale: Locale): Promise<LoginResult> {
      const now = ctx.now();
      const tenantId = auth.tenant?.id ?? null;
      const self: Found = { kind: auth.user.kind, user: { id: auth.user.id, email: auth.user.email } as UserRow, tenant: auth.tenant ? ({ id: auth.tenant.id } as TenantRow) : null };
      await checkLocks(emailKey(auth.user.email), meta, self, 'auth.reauth');
      let ok = false;
      let amrAdd: string | null = null;
      let smsChallenge: Buffer | null = null;
      if (input.password !== undefined) {
        // The signed-in user's own side: their tenant's scope (a tenant user), or the platform (an operator).
        const row = await asUser(auth, (tx) =>
          auth.tenant ? repo.tenantUser(tx, auth.tenant.id, auth.user.id) : repo.platformUser(tx, auth.user.id),
        );
        ok = await verifyPassword(row?.password_hash, input.password);
      } else if (input.method) {
        const method = input.method;
        const r = await asUser(auth, async (tx): Promise<{ ok: boolean } | { error: AppError }> => {
          const policy = await loadPolicy(tx, tenantId);
          const methods = (await enrolledMethods(tx, auth.user.id)).filter((m) => policy.allowedMethods.includes(m));
          if (!methods.includes(method)) return { error: new AppError(400, 'mfa_method_unavailable') };
          type Ch = { id_hash?: Buffer; webauthn_challenge: string | null; code_hash: string | null; code_expires_at: Date | null };
          let ch: Ch | null = null;
          if (method === 'webauthn') {
            ch = await tx.maybeOne<Ch>(
              `SELECT webauthn_challenge, NULL AS code_hash, NULL AS code_expires_at FROM auth_challenges
                WHERE user_id = $1 AND purpose = 'webauthn_reauth' AND session_id = $2 AND expires_at > $3`,
              [auth.user.id, auth.sessionId, now],
            ) ?? null;
          } else if (method === 'sms') {
            ch = await tx.maybeOne<Ch>(
              `SELECT id_hash, NULL AS webauthn_challenge, code_hash, code_expires_at FROM auth_challenges
                WHERE user_id = $1 AND purpose = 'sms_reauth' AND session_id = $2 AND consumed_at IS NULL AND expires_at > $3 AND attempts < $4
                ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
              [auth.user.id, auth.sessionId, now, MAX_ATTEMPTS],
            ) ?? null;
            smsChallenge = ch?.id_hash ?? null;
          }
          const good = await verifyFactor(tx, { userId: auth.user.id, tenantId }, method, input, ch);
          if (good && method === 'webauthn') await tx.execute(`DELETE FROM auth_challenges WHERE user_id = $1 AND purpose = 'webauthn_reauth'`, [auth.user.id]);
          if (good && smsChallenge) await tx.execute(`UPDATE auth_challenges SET consumed_at = $2 WHERE id_hash = $1`, [smsChallenge, now]);
          return { ok: good };
        });
        if ('error' in r) throw r.error;
        ok = r.ok;
        amrAdd = AMR_OF[method];
      }
      if (!ok) {
        await registerFailure(self, emailKey(auth.user.email), 'reauth_failed', meta, locale, async (tx) => {
          if (smsChallenge) await tx.execute(`UPDATE auth_challenges SET attempts = attempts + 1 WHERE id_hash = $1`, [smsChallenge]);
        });
        throw new AppError(401, 'reauth_failed');
      }
      return db.platform(async (tx) => {
        if (tenantId) await tx.actAsTenant(tenantId);
        const old = await tx.maybeOne<{ created_at: Date; expires_at: Date; amr: string[]; revoked_at: Date | null }>(
          `SELECT created_at, expires_at, amr, revoked_at FROM sessions WHERE id = $1 FOR UPDATE`,
          [auth.sessionId],
        );
        if (!old || old.revoked_at) throw new AppError(401, 'unauthenticated');
        const amr = amrAdd && !old.amr.includes(amrAdd) ? [...old.amr, amrAdd] : old.amr;
        const token = randomToken(32);
        const csrf = randomToken(24);
        const sessionId = crypto.randomUUID();
        await repo.insertSession(tx, {
          id: sessionId,
          tokenHash: sha256(token),
          csrf,
          kind: auth.user.kind,
          tenantId,
          userId: auth.user.id,
          ip: meta.ip ?? null,
          ua: meta.userAgent?.slice(0, 512) ?? null,
          expiresAt: old.expires_at,
        });
        // The absolute lifetime keeps counting from the original sign-in.
        await tx.execute(`UPDATE sessions SET reauth_at = $2, amr = $3, created_at = $4, last_seen_at = $2 WHERE id = $1`, [sessionId, now, amr, old.created_at]);
        await repo.revokeSession(tx, auth.sessionId, 'reauth_rotated');
        await tx.execute(`DELETE FROM auth_challenges WHERE session_id = $1 AND purpose IN ('webauthn_reauth', 'sms_reauth')`, [auth.sessionId]);
        await audit.record(tx, {
          tenantId,
          actor: actorOf(auth),
          action: 'auth.reauth',
          objectType: 'session',
          objectId: sessionId,
          details: { method: input.method ?? 'password', previousSession: auth.sessionId },
          meta,
        });
        return { token, auth: { ...auth, sessionId, csrfToken: csrf, reauthAt: now, amr } };
      });
    },

    // Second factors ---------------------------------------------------------------------------------

    async mfaStatus(auth: Auth) {
      return asUser(auth, async (tx) => {
        const totp = await tx.maybeOne<{ confirmed_at: Date | null }>(`SELECT confirmed_at FROM mfa_totp WHERE user_id = $1`, [auth.user.id]);
        const creds = await tx.query<{ id: string; name: string; created_at: Date; last_used_at: Date | null }>(
          `SELECT id, name, created_at, last_used_at FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at`,
          [auth.user.id],
        );
        const phone = await tx.maybeOne<{ phone_hint: string; verified_at: Date | null }>(`SELECT phone_hint, verified_at FROM mfa_phones WHERE user_id = $1`, [auth.user.id]);
        const rec = await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, [auth.user.id]);
        const policy = await loadPolicy(tx, auth.tenant?.id ?? null);
        return {
          totp: { enrolled: !!totp?.confirmed_at, pending: !!totp && !totp.confirmed_at },
          passkeys: creds.map((c) => ({ id: c.id, name: c.name, createdAt: c.created_at, lastUsedAt: c.last_used_at })),
          sms: phone ? { phone: phone.phone_hint, verified: !!phone.verified_at } : null,
          recoveryCodesLeft: rec.n,
          required: mfaRequiredFor(policy, auth.user.roles),
          allowedMethods: policy.allowedMethods,
        };
      });
    },

    /** Starts TOTP enrolment: a new secret (kept encrypted, unconfirmed) and its otpauth URI as a QR code. */
    async totpBegin(auth: Auth, meta: RequestMeta) {
      const secret = newTotpSecret();
      const uri = totpUri(secret, auth.user.email);
      await asUser(auth, async (tx) => {
        const existing = await tx.maybeOne<{ confirmed_at: Date | null }>(`SELECT confirmed_at FROM mfa_totp WHERE user_id = $1`, [auth.user.id]);
        if (existing?.confirmed_at) throw new AppError(409, 'totp_already_enrolled');
        const enc = await ctx.keys.encryptText(tx, ownerOf(auth.tenant?.id ?? null), secret);
        await tx.execute(
          `INSERT INTO mfa_totp (user_id, tenant_id, secret_enc) VALUES ($1, coalesce($2::uuid, '00000000-0000-0000-0000-000000000000'), $3)
           ON CONFLICT (tenant_id, user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, last_step = 0, created_at = now()`,
          [auth.user.id, auth.tenant?.id ?? null, enc],
        );
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'mfa.totp.begin', objectType: 'user', objectId: auth.user.id, meta });
      });
      return { secret, otpauthUri: uri, qrDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 220 }) };
    },

    /** Confirms TOTP with a code from the app. The first factor also yields ten recovery codes, shown once. */
    async totpConfirm(auth: Auth, code: string, meta: RequestMeta, locale: Locale) {
      const now = ctx.now();
      return asUser(auth, async (tx) => {
        const row = await tx.maybeOne<{ secret_enc: string; confirmed_at: Date | null }>(`SELECT secret_enc, confirmed_at FROM mfa_totp WHERE user_id = $1 FOR UPDATE`, [auth.user.id]);
        if (!row) throw new AppError(400, 'mfa_not_enrolled');
        if (row.confirmed_at) throw new AppError(409, 'totp_already_enrolled');
        const secret = await ctx.keys.decryptText(tx, ownerOf(auth.tenant?.id ?? null), row.secret_enc);
        const step = await checkTotp(secret, code.trim(), now, 0);
        if (step === null) throw fieldError('code', 'mfa_code_invalid');
        await tx.execute(`UPDATE mfa_totp SET confirmed_at = $2, last_step = $3 WHERE user_id = $1`, [auth.user.id, now, step]);
        const recoveryCodes = await ensureRecoveryCodes(tx, auth);
        await tx.execute(`UPDATE sessions SET amr = CASE WHEN 'otp' = ANY(amr) THEN amr ELSE array_append(amr, 'otp') END WHERE id = $1`, [auth.sessionId]);
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'mfa.totp.enrol', objectType: 'user', objectId: auth.user.id, meta });
        const mail = securityMail.factorChanged(locale, auth.user.email, locale === 'en' ? 'authenticator app added' : '已绑定身份验证器应用');
        tx.afterCommit(() => ctx.mailer.send({ ...mail, tenantId: auth.tenant?.id }));
        return { recoveryCodes, otherSessions: await otherSessionCount(tx, auth.user.id, auth.sessionId) };
      });
    },

    async recoveryRegenerate(auth: Auth, meta: RequestMeta) {
      return asUser(auth, async (tx) => {
        const codes = await issueRecoveryCodes(tx, auth);
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'mfa.recovery.regenerate', objectType: 'user', objectId: auth.user.id, meta });
        return { recoveryCodes: codes, otherSessions: await otherSessionCount(tx, auth.user.id, auth.sessionId) };
      });
    },

    async removeFactor(auth: Auth, which: 'totp' | 'sms' | { passkey: string }, meta: RequestMeta, locale: Locale) {
      return asUser(auth, async (tx) => {
        let n = 0;
        if (which === 'totp') n = await tx.execute(`DELETE FROM mfa_totp WHERE user_id = $1`, [auth.user.id]);
        else if (which === 'sms') n = await tx.execute(`DELETE FROM mfa_phones WHERE user_id = $1`, [auth.user.id]);
        else n = await tx.execute(`DELETE FROM webauthn_credentials WHERE user_id = $1 AND id = $2`, [auth.user.id, which.passkey]);
        if (!n) throw notFound('mfa_not_enrolled');
        const label = typeof which === 'string' ? which : 'passkey';
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: `mfa.${label}.remove`, objectType: 'user', objectId: auth.user.id, meta });
        const mail = securityMail.factorChanged(locale, auth.user.email, locale === 'en' ? `${label} removed` : `已移除验证方式：${label}`);
        tx.afterCommit(() => ctx.mailer.send({ ...mail, tenantId: auth.tenant?.id }));
        return { otherSessions: await otherSessionCount(tx, auth.user.id, auth.sessionId) };
      });
    },

    async webauthnRegisterOptions(auth: Auth) {
      return asUser(auth, async (tx) => {
        const options = await registrationOptions(ctx.config, auth.user, await credentials(tx, auth.user.id));
        await tx.execute(`DELETE FROM auth_challenges WHERE user_id = $1 AND purpose = 'webauthn_register'`, [auth.user.id]);
        await tx.execute(
          `INSERT INTO auth_challenges (id_hash, purpose, kind, tenant_id, user_id, session_id, webauthn_challenge, expires_at)
           VALUES ($1, 'webauthn_register', $2, coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'), $4, $5, $6, $7)`,
          [sha256(randomToken(16)), auth.user.kind, auth.tenant?.id ?? null, auth.user.id, auth.sessionId, options.challenge, new Date(ctx.now().getTime() + 5 * 60_000)],
        );
        return options;
      });
    },

    async webauthnRegister(auth: Auth, response: RegistrationResponseJSON, name: string, meta: RequestMeta, locale: Locale) {
      const now = ctx.now();
      return asUser(auth, async (tx) => {
        const ch = await tx.maybeOne<{ webauthn_challenge: string }>(
          `SELECT webauthn_challenge FROM auth_challenges WHERE user_id = $1 AND purpose = 'webauthn_register' AND session_id = $2 AND expires_at > $3`,
          [auth.user.id, auth.sessionId, now],
        );
        if (!ch) throw new AppError(400, 'mfa_not_enrolled');
        const cred = await verifyRegistration(ctx.config, response, ch.webauthn_challenge);
        if (!cred) throw new AppError(400, 'webauthn_failed');
        await tx.execute(`DELETE FROM auth_challenges WHERE user_id = $1 AND purpose = 'webauthn_register'`, [auth.user.id]);
        await tx.execute(
          `INSERT INTO webauthn_credentials (id, user_id, tenant_id, public_key, counter, transports, name) VALUES ($1,$2,coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'),$4,$5,$6,$7)`,
          [cred.id, auth.user.id, auth.tenant?.id ?? null, cred.publicKey, cred.counter, cred.transports, name],
        );
        const recoveryCodes = await ensureRecoveryCodes(tx, auth);
        await tx.execute(`UPDATE sessions SET amr = CASE WHEN 'hwk' = ANY(amr) THEN amr ELSE array_append(amr, 'hwk') END WHERE id = $1`, [auth.sessionId]);
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'mfa.passkey.register', objectType: 'passkey', objectId: cred.id, details: { name }, meta });
        const mail = securityMail.factorChanged(locale, auth.user.email, locale === 'en' ? `passkey "${name}" added` : `已添加通行密钥「${name}」`);
        tx.afterCommit(() => ctx.mailer.send({ ...mail, tenantId: auth.tenant?.id }));
        return { id: cred.id, recoveryCodes, otherSessions: await otherSessionCount(tx, auth.user.id, auth.sessionId) };
      });
    },

    /**
     * For other modules (contract signing): WebAuthn options for the user's registered passkeys with a
     * challenge chosen by the caller (e.g. a hash binding a document), or null when the user has none.
     */
    async passkeyOptionsTx(tx: Tx, userId: string, challenge: Uint8Array) {
      const creds = await credentials(tx, userId);
      if (!creds.length) return null;
      return authenticationOptions(ctx.config, creds, challenge);
    },

    async hasPasskeyTx(tx: Tx, userId: string): Promise<boolean> {
      return (await credentials(tx, userId)).length > 0;
    },

    /**
     * Verifies an assertion against one of the user's own registered passkeys and the expected challenge;
     * the counter moves forward. Returns the credential's id and public key (COSE) so that the caller can
     * keep the evidence verifiable later, or null.
     */
    async verifyPasskeyTx(tx: Tx, userId: string, response: AuthenticationResponseJSON, expectedChallenge: string) {
      const cred = await tx.maybeOne<StoredCredential>(
        `SELECT id, public_key, counter, transports FROM webauthn_credentials WHERE id = $1 AND user_id = $2`,
        [response.id, userId],
      );
      if (!cred) return null;
      const r = await verifyAuthentication(ctx.config, response, expectedChallenge, cred);
      if (!r) return null;
      await tx.execute(`UPDATE webauthn_credentials SET counter = $2, last_used_at = $3 WHERE id = $1`, [cred.id, r.newCounter, ctx.now()]);
      return { credentialId: cred.id, publicKey: Buffer.from(cred.public_key).toString('base64url'), counter: r.newCounter };
    },

    /** Sets the phone number for SMS codes (unverified) and sends it a verification code. */
    async phoneBegin(auth: Auth, phone: string, meta: RequestMeta) {
      const now = ctx.now();
      const code = randomDigits(SMS_CODE_DIGITS);
      const challengeId = randomToken(32);
      await asUser(auth, async (tx) => {
        const owner = ownerOf(auth.tenant?.id ?? null);
        await tx.execute(
          `INSERT INTO mfa_phones (user_id, tenant_id, phone_enc, phone_hint) VALUES ($1,coalesce($2::uuid, '00000000-0000-0000-0000-000000000000'),$3,$4)
           ON CONFLICT (tenant_id, user_id) DO UPDATE SET phone_enc = EXCLUDED.phone_enc, phone_hint = EXCLUDED.phone_hint, verified_at = NULL`,
          [auth.user.id, auth.tenant?.id ?? null, await ctx.keys.encryptText(tx, owner, phone), phoneHint(phone)],
        );
        await tx.execute(`DELETE FROM auth_challenges WHERE user_id = $1 AND purpose = 'phone_verify'`, [auth.user.id]);
        await tx.execute(
          `INSERT INTO auth_challenges (id_hash, purpose, kind, tenant_id, user_id, session_id, code_hash, code_sent_at, code_expires_at, sms_sent, expires_at)
           VALUES ($1, 'phone_verify', $2, coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'), $4, $5, $6, $7, $8, 1, $8)`,
          [sha256(challengeId), auth.user.kind, auth.tenant?.id ?? null, auth.user.id, auth.sessionId, ctx.keys.blindIndex('sms-code', owner, code), now, new Date(now.getTime() + CHALLENGE_MINUTES * 60_000)],
        );
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'mfa.sms.begin', objectType: 'user', objectId: auth.user.id, meta });
        tx.afterCommit(() => sms.send({ to: phone, text: `【Pactum】手机号验证码 ${code}，${CHALLENGE_MINUTES} 分钟内有效。Your Pactum verification code: ${code}` }));
      });
      return { challengeId, sentTo: phoneHint(phone) };
    },

    async phoneConfirm(auth: Auth, challengeId: string, code: string, meta: RequestMeta) {
      const now = ctx.now();
      type R = { ok: { otherSessions: number; recoveryCodes: string[] | null } } | { bad: AppError };
      const r: R = await asUser(auth, async (tx): Promise<R> => {
        const ch = await tx.maybeOne<{ code_hash: string; code_expires_at: Date; attempts: number; consumed_at: Date | null }>(
          `SELECT code_hash, code_expires_at, attempts, consumed_at FROM auth_challenges WHERE id_hash = $1 AND purpose = 'phone_verify' AND user_id = $2 FOR UPDATE`,
          [sha256(challengeId), auth.user.id],
        );
        if (!ch || ch.consumed_at || ch.code_expires_at.getTime() <= now.getTime()) return { bad: new AppError(400, 'code_expired') };
        if (ch.attempts >= MAX_ATTEMPTS) return { bad: new AppError(429, 'mfa_too_many_attempts') };
        const good = timingSafeEqualStr(ctx.keys.blindIndex('sms-code', ownerOf(auth.tenant?.id ?? null), code.trim()), ch.code_hash);
        if (!good) {
          await tx.execute(`UPDATE auth_challenges SET attempts = attempts + 1 WHERE id_hash = $1`, [sha256(challengeId)]);
          return { bad: fieldError('code', 'mfa_code_invalid') };
        }
        await tx.execute(`UPDATE auth_challenges SET consumed_at = $2 WHERE id_hash = $1`, [sha256(challengeId), now]);
        await tx.execute(`UPDATE mfa_phones SET verified_at = $2 WHERE user_id = $1`, [auth.user.id, now]);
        const recoveryCodes = await ensureRecoveryCodes(tx, auth);
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'mfa.sms.enrol', objectType: 'user', objectId: auth.user.id, meta });
        return { ok: { recoveryCodes, otherSessions: await otherSessionCount(tx, auth.user.id, auth.sessionId) } };
      });
      if ('bad' in r) throw r.bad;
      return r.ok;
    },

    // Sessions -----------------------------------------------------------------------------------------

    async listSessions(auth: Auth, userId = auth.user.id) {
      return asUser(auth, async (tx) => {
        const rows = await tx.query<{ id: string; ip: string | null; user_agent: string | null; created_at: Date; last_seen_at: Date; expires_at: Date; amr: string[] }>(
          `SELECT id, ip, user_agent, created_at, last_seen_at, expires_at, amr FROM sessions
            WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC`,
          [userId, ctx.now()],
        );
        return rows.map((r) => ({
          id: r.id,
          current: r.id === auth.sessionId,
          ip: r.ip,
          userAgent: r.user_agent,
          createdAt: r.created_at,
          lastSeenAt: r.last_seen_at,
          expiresAt: r.expires_at,
          amr: r.amr,
        }));
      });
    },

    /** Ends one of the caller's sessions (or, for a tenant admin, one of a user of their tenant). */
    async revokeSession(auth: Auth, sessionId: string, meta: RequestMeta): Promise<void> {
      const isAdmin = auth.user.kind === 'tenant' && auth.user.roles.includes('tenant_admin');
      await asUser(auth, async (tx) => {
        const s = await tx.maybeOne<{ user_id: string; tenant_id: string | null }>(`SELECT user_id, nullif(tenant_id, '00000000-0000-0000-0000-000000000000') AS tenant_id FROM sessions WHERE id = $1 AND revoked_at IS NULL`, [sessionId]);
        // A platform transaction sees every session: platform users may end only their own.
        if (!s || (s.user_id !== auth.user.id && !(isAdmin && s.tenant_id === auth.tenant?.id))) throw notFound('session_not_found');
        await repo.revokeSession(tx, sessionId, s.user_id === auth.user.id ? 'user_revoked' : 'admin_revoked');
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'session.revoke', objectType: 'session', objectId: sessionId, details: { userId: s.user_id }, meta });
      });
    },

    async revokeOtherSessions(auth: Auth, meta: RequestMeta): Promise<{ ended: number }> {
      return asUser(auth, async (tx) => {
        const ended = await repo.revokeOtherSessions(tx, auth.user.id, auth.sessionId, 'user_revoked_others');
        await audit.record(tx, { tenantId: auth.tenant?.id ?? null, actor: actorOf(auth), action: 'session.revoke_others', objectType: 'user', objectId: auth.user.id, details: { ended }, meta });
        return { ended };
      });
    },

    /** A tenant admin ends every session of a user of their tenant. */
    async revokeUserSessions(auth: Auth, userId: string, meta: RequestMeta): Promise<{ ended: number }> {
      const tenantId = auth.tenant!.id;
      return db.tenant(tenantId, async (tx) => {
        const u = await repo.tenantUser(tx, tenantId, userId);
        if (!u) throw notFound('user_not_found');
        const ended = await repo.revokeOtherSessions(tx, userId, userId === auth.user.id ? auth.sessionId : null, 'admin_revoked');
        await audit.record(tx, { tenantId, actor: actorOf(auth), action: 'session.revoke_user', objectType: 'user', objectId: userId, details: { ended }, meta });
        return { ended };
      });
    },

    // Policies -----------------------------------------------------------------------------------------

    async getPolicy(auth: Auth, scope: 'tenant' | 'platform'): Promise<SecurityPolicy> {
      return scope === 'tenant' ? db.tenant(auth.tenant!.id, (tx) => loadPolicy(tx, auth.tenant!.id)) : db.platform((tx) => loadPolicy(tx, null));
    },

    async setPolicy(auth: Auth, scope: 'tenant' | 'platform', p: SecurityPolicy, meta: RequestMeta): Promise<SecurityPolicy> {
      const errors = p.ipAllowlist.flatMap((c, i) => (parseCidr(c) ? [] : [{ path: `ipAllowlist.${i}`, code: 'cidr_invalid' }]));
      if (p.auditRetentionDays < 180) errors.push({ path: 'auditRetentionDays', code: 'retention_too_short' });
      if (errors.length) throw invalid(errors);
      if (!ipAllowed(meta.ip, p.ipAllowlist)) throw fieldError('ipAllowlist', 'allowlist_locks_out', { ip: meta.ip ?? '' });
      const tenantId = scope === 'tenant' ? auth.tenant!.id : null;
      const run = <T>(fn: (tx: Tx) => Promise<T>) => (tenantId ? db.tenant(tenantId, fn) : db.platform(fn));
      return run(async (tx) => {
        const before = await loadPolicy(tx, tenantId);
        await savePolicy(tx, tenantId, p, auth.user.id);
        await audit.record(tx, { tenantId, actor: actorOf(auth), action: 'security.policy.update', objectType: 'security_policy', objectId: tenantId ?? 'platform', details: { before, after: p }, meta });
        return loadPolicy(tx, tenantId);
      });
    },

    /**
     * First start: creates the super admin from PACTUM_ADMIN_EMAIL / PACTUM_ADMIN_PASSWORD, or with a
     * generated password that is returned (to be printed once) and must be changed at first sign-in.
     */
    async bootstrapAdmin(): Promise<{ created: false } | { created: true; email: string; password: string | null }> {
      const email = ctx.config.adminEmail ?? 'admin@pactum.local';
      const given = ctx.config.adminPassword;
      if (given) {
        const errs = checkPasswordPolicy(given, { email }, 'PACTUM_ADMIN_PASSWORD');
        if (errs.length) throw new Error(`PACTUM_ADMIN_PASSWORD is too weak (${errs.map((e) => e.code).join(', ')})`);
      }
      const password = given ?? generatePassword();
      const hash = await hashPassword(password);
      return db.platform(async (tx) => {
        const { n } = await repo.countPlatformUsers(tx);
        if (n > 0) return { created: false } as const;
        const id = crypto.randomUUID();
        await repo.insertPlatformUser(tx, { id, email, name: 'Super Admin', hash, roles: ['super_admin'], mustChange: !given });
        await repo.insertIdentity(tx, emailKey(email), 'platform', null, id);
        await audit.record(tx, { tenantId: null, actor: { kind: 'system', label: 'bootstrap' }, action: 'platform_user.create', objectType: 'platform_user', objectId: id, details: { roles: ['super_admin'] } });
        return { created: true, email, password: given ? null : password } as const;
      });
    },

    /** Creates a platform operator (reviewer, billing, ...) with a system-issued password. */
    async createPlatformUser(
      actor: Auth,
      input: { email: string; name: string; roles: string[] },
      meta: RequestMeta,
    ): Promise<{ id: string; password: string }> {
      const password = generatePassword();
      const hash = await hashPassword(password);
      const id = crypto.randomUUID();
      await db.platform(async (tx) => {
        if (await repo.findIdentity(tx, emailKey(input.email))) throw new AppError(409, 'email_taken');
        await repo.insertPlatformUser(tx, { id, email: input.email, name: input.name, hash, roles: input.roles, mustChange: true });
        await repo.insertIdentity(tx, emailKey(input.email), 'platform', null, id);
        await audit.record(tx, { tenantId: null, actor: actorOf(actor), action: 'platform_user.create', objectType: 'platform_user', objectId: id, details: { roles: input.roles }, meta });
      });
      return { id, password };
    },

    async listPlatformUsers() {
      return db.platform(async (tx) =>
        (await repo.listPlatformUsers(tx)).map((u) => ({
          id: u.id,
          email: u.email,
          name: u.name,
          roles: u.roles,
          status: u.status,
          lastLoginAt: u.last_login_at,
          createdAt: u.created_at,
        })),
      );
    },

    unauthorized,
  };

  /** Issues recovery codes when the user has none left; returns them (once) or null. */
  async function ensureRecoveryCodes(tx: Tx, auth: Auth): Promise<string[] | null> {
    const left = await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, [auth.user.id]);
    if (left.n > 0) return null;
    return issueRecoveryCodes(tx, auth);
  }

  async function issueRecoveryCodes(tx: Tx, auth: Auth): Promise<string[]> {
    const owner = ownerOf(auth.tenant?.id ?? null);
    await tx.execute(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [auth.user.id]);
    const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
    for (const c of codes) {
      await tx.execute(`INSERT INTO mfa_recovery_codes (user_id, code_hash, tenant_id) VALUES ($1,$2,coalesce($3::uuid, '00000000-0000-0000-0000-000000000000'))`, [
        auth.user.id,
        ctx.keys.blindIndex('recovery-code', owner, normalizeRecovery(c)),
        auth.tenant?.id ?? null,
      ]);
    }
    return codes;
  }
}

export type SecurityService = ReturnType<typeof securityService>;
