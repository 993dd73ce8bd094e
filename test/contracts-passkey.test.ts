import crypto from 'node:crypto';
import { extractText } from 'unpdf';
import { convertCOSEtoPKCS } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, Client, createTestEnv, multipart, type TestEnv } from './helpers.js';
import { asSystem, codeFromMail, contractInput, inDays, makeTenant, ok, type TestTenant, type UserClient } from './contracts-helpers.js';
import { SoftAuthenticator } from './security/helpers.js';

type Options = { options: { challenge: string; rpId: string; allowCredentials: Array<{ id: string }> }; payload: Record<string, unknown> };
type Signer = { userId: string | null; status: string; method: string | null; credentialId: string | null };

/** The canonical JSON of the brief (keys sorted), computed independently of the server's helper. */
const canonical = (o: Record<string, unknown>) => `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`).join(',')}}`;

describe('contracts: signing with a passkey (Electronic Signature Law art. 13)', () => {
  let env: TestEnv;
  let A: TestTenant;
  let manager: UserClient;
  let approver: UserClient;
  let signer: UserClient;
  let other: UserClient;
  let plain: UserClient;
  const key = new SoftAuthenticator('pactum.test', 'http://pactum.test');
  const otherKey = new SoftAuthenticator('pactum.test', 'http://pactum.test');

  async function registerPasskey(c: UserClient, a: SoftAuthenticator) {
    const opts = ok<{ challenge: string }>(await c.post('/api/v1/security/mfa/webauthn/options'));
    const res = await c.post('/api/v1/security/mfa/webauthn', { response: a.register(opts), name: '笔记本' });
    expect(res.statusCode, res.body).toBeLessThan(300);
  }

  /** A contract in signing with the given signers (in steps). */
  async function inSigning(signers: unknown[], i = 1): Promise<string> {
    const c = ok<{ id: string }>(await manager.post('/api/v1/contracts', contractInput(i)), 201);
    ok(await manager.post(`/api/v1/contracts/${c.id}/submit`));
    ok(await approver.post(`/api/v1/contracts/${c.id}/approve`, {}));
    ok(await manager.request('PUT', `/api/v1/contracts/${c.id}/signers`, { signers }));
    ok(await manager.post(`/api/v1/contracts/${c.id}/signing`, { deadline: inDays(3) }));
    return c.id;
  }

  const optionsFor = async (c: UserClient, id: string) => ok<Options>(await c.post(`/api/v1/contracts/${id}/sign/passkey/options`));
  const signerOf = async (id: string, userId: string) =>
    ok<{ signers: Signer[] }>(await manager.get(`/api/v1/contracts/${id}`)).signers.find((s) => s.userId === userId)!;

  beforeAll(async () => {
    env = await createTestEnv(ADMIN);
    A = await makeTenant(env, '腾讯科技（深圳）有限公司', '91440300708461136T');
    manager = await A.user(['contract_manager'], '李娜');
    approver = await A.user(['approver'], '周审批');
    signer = await A.user(['signer'], '马签署');
    other = await A.user(['signer'], '王签署');
    plain = await A.user(['signer'], '赵签署');
    await registerPasskey(signer, key);
    await registerPasskey(other, otherKey);
  });
  afterAll(async () => env?.close());

  it('signs with a passkey over a challenge binding the document hash; recorded as passkey; the seal and verification list the method', async () => {
    const id = await inSigning([
      { kind: 'internal', step: 1, userId: signer.id },
      { kind: 'internal', step: 2, userId: plain.id },
    ]);
    // Out of turn: the step-2 signer gets no options.
    expect((await plain.post(`/api/v1/contracts/${id}/sign/passkey/options`)).json().code).toBe('signing_out_of_turn');

    const o = await optionsFor(signer, id);
    const version = await asSystem(env, A.id, (tx) =>
      tx.one<{ body_sha256: string; version: number }>(`SELECT v.body_sha256, v.version FROM contract_versions v JOIN contracts c ON c.id = v.contract_id AND c.current_version = v.version WHERE c.id = $1`, [id]),
    );
    expect(o.payload).toMatchObject({ docSha256: version.body_sha256, contractId: id, version: version.version, userId: signer.id });
    expect(typeof o.payload.signerId).toBe('string');
    expect(Math.abs(Date.parse(String(o.payload.issuedAt)) - Date.now())).toBeLessThan(60_000);
    expect(o.options.challenge).toBe(crypto.createHash('sha256').update(canonical(o.payload)).digest('base64url'));
    expect(o.options.allowCredentials.map((c) => c.id)).toEqual([key.credentialId.toString('base64url')]);

    const assertion = key.authenticate(o.options);
    const signed = ok<{ status: string }>(await signer.post(`/api/v1/contracts/${id}/sign/passkey`, { response: assertion }));
    expect(signed.status).toBe('signing');
    const s = await signerOf(id, signer.id);
    expect(s).toMatchObject({ status: 'signed', method: 'passkey', credentialId: key.credentialId.toString('base64url') });

    // The evidence is kept and verifiable later: the signature over authenticatorData ‖ SHA-256(clientDataJSON)
    // checks with the stored public key, and clientDataJSON carries the bound challenge.
    const row = await asSystem(env, A.id, (tx) =>
      tx.one<{ signature_evidence: Record<string, string> & { payload: Record<string, unknown> } }>(`SELECT signature_evidence FROM contract_signers WHERE contract_id = $1 AND user_id = $2`, [id, signer.id]),
    );
    const ev = row.signature_evidence;
    expect(ev.payload).toEqual(o.payload);
    expect(JSON.parse(Buffer.from(ev.clientDataJSON!, 'base64url').toString()).challenge).toBe(o.options.challenge);
    // The stored COSE key decodes to the authenticator's public key (EC2, P-256: 0x04 ‖ x ‖ y).
    const point = Buffer.from(convertCOSEtoPKCS(new Uint8Array(Buffer.from(ev.publicKeyCose!, 'base64url'))));
    const jwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') };
    expect({ x: jwk.x, y: jwk.y }).toEqual({ x: key.publicJwk().x, y: key.publicJwk().y });
    const jwkPub = crypto.createPublicKey({ key: jwk, format: 'jwk' });
    const data = Buffer.concat([Buffer.from(ev.authenticatorData!, 'base64url'), crypto.createHash('sha256').update(Buffer.from(ev.clientDataJSON!, 'base64url')).digest()]);
    expect(crypto.verify('sha256', data, jwkPub, Buffer.from(ev.signature!, 'base64url'))).toBe(true);

    // Replaying the same assertion: refused (already signed), nothing changes.
    const replay = await signer.post(`/api/v1/contracts/${id}/sign/passkey`, { response: assertion });
    expect(replay.statusCode).toBe(409);
    expect(replay.json().code).toBe('already_signed');

    // The second signer confirms with an e-mail code; the contract is sealed.
    ok(await plain.post(`/api/v1/contracts/${id}/sign/code`), 202);
    const done = ok<{ status: string }>(await plain.post(`/api/v1/contracts/${id}/sign`, { code: await codeFromMail(env, plain.email) }));
    expect(done.status).toBe('signed');
    expect((await signerOf(id, plain.id)).method).toBe('email_code');

    const pdf = (await manager.get(`/api/v1/contracts/${id}/sealed.pdf`)).rawPayload;
    const { text } = await extractText(new Uint8Array(pdf), { mergePages: true });
    const flat = String(text).replace(/\s+/g, '');
    expect(flat).toContain('Passkey(WebAuthn)');
    expect(flat).toContain('E-mailcode');
    expect(flat).toContain(key.credentialId.toString('base64url'));

    const m = multipart('file', 'contract.pdf', pdf, 'application/pdf');
    const v = ok<{ valid: boolean; document: { signers: Array<{ name: string; method: string; credentialId?: string }> } }>(
      await new Client(env.app).request('POST', '/api/v1/public/verify', m.payload, m.headers),
    );
    expect(v.valid).toBe(true);
    expect(Object.fromEntries(v.document.signers.map((x) => [x.name, x.method]))).toEqual({ 马签署: 'passkey', 赵签署: 'email_code' });
  });

  it('refuses an assertion replayed from another signing, a stale challenge, and spends the challenge on failure', async () => {
    const x = await inSigning([{ kind: 'internal', step: 1, userId: signer.id }], 2);
    const y = await inSigning([{ kind: 'internal', step: 1, userId: signer.id }], 0);
    const ox = await optionsFor(signer, x);
    const fromX = key.authenticate(ox.options);
    await optionsFor(signer, y);
    // An assertion made for contract X, presented on Y: its challenge is not Y's.
    const cross = await signer.post(`/api/v1/contracts/${y}/sign/passkey`, { response: fromX });
    expect(cross.statusCode).toBe(422);
    expect(cross.json().errors[0].code).toBe('passkey_invalid');
    // Y's challenge was spent by the failed attempt.
    const again = await signer.post(`/api/v1/contracts/${y}/sign/passkey`, { response: fromX });
    expect(again.json().code).toBe('passkey_challenge_missing');
    expect((await signerOf(y, signer.id)).status).toBe('pending');

    // On X, new options replace the old challenge: the assertion over the old one no longer signs.
    await optionsFor(signer, x);
    const stale = await signer.post(`/api/v1/contracts/${x}/sign/passkey`, { response: fromX });
    expect(stale.statusCode).toBe(422);
    expect((await signerOf(x, signer.id)).status).toBe('pending');
    // A fresh assertion works; the failure was recorded.
    const fresh = await optionsFor(signer, x);
    expect(ok<{ status: string }>(await signer.post(`/api/v1/contracts/${x}/sign/passkey`, { response: key.authenticate(fresh.options) })).status).toBe('signed');
    const trail = ok<Array<{ action: string; details: { method?: string } }>>(await manager.get(`/api/v1/contracts/${x}/audit`));
    expect(trail.some((e) => e.action === 'contract.sign_failed')).toBe(true);
    expect(trail.some((e) => e.action === 'contract.sign' && e.details.method === 'passkey')).toBe(true);
  });

  it('refuses an assertion for a challenge issued before the content changed', async () => {
    const id = await inSigning([{ kind: 'internal', step: 1, userId: signer.id }], 1);
    const o = await optionsFor(signer, id);
    // The content changes after the challenge was issued (a new current version, as any editing path would make).
    await asSystem(env, A.id, async (tx) => {
      const c = await tx.one<{ current_version: number }>(`SELECT current_version FROM contracts WHERE id = $1`, [id]);
      const body = '变更后的合同正文：付款期限改为九十日。';
      await tx.execute(
        `INSERT INTO contract_versions (tenant_id, contract_id, version, body_enc, body_sha256, source, note, created_by) VALUES ($1,$2,$3,$4,$5,'edit',NULL,$6)`,
        [A.id, id, c.current_version + 1, await env.ctx.keys.encryptText(tx, { tenantId: A.id }, body), crypto.createHash('sha256').update(body).digest('hex'), manager.id],
      );
      await tx.execute(`UPDATE contracts SET current_version = $2 WHERE id = $1`, [id, c.current_version + 1]);
    });
    const res = await signer.post(`/api/v1/contracts/${id}/sign/passkey`, { response: key.authenticate(o.options) });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('document_changed');
    expect((await signerOf(id, signer.id)).status).toBe('pending');
    // Options issued now bind the new hash and sign.
    const o2 = await optionsFor(signer, id);
    expect(o2.payload.docSha256).not.toBe(o.payload.docSha256);
    expect(ok<{ status: string }>(await signer.post(`/api/v1/contracts/${id}/sign/passkey`, { response: key.authenticate(o2.options) })).status).toBe('signed');
  });

  it("refuses another user's credential, and offers no passkey signing to a signer without one", async () => {
    const id = await inSigning([
      { kind: 'internal', step: 1, userId: signer.id },
      { kind: 'internal', step: 1, userId: plain.id },
    ], 2);
    const o = await optionsFor(signer, id);
    const res = await signer.post(`/api/v1/contracts/${id}/sign/passkey`, { response: otherKey.authenticate(o.options) });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].code).toBe('passkey_invalid');
    expect((await signerOf(id, signer.id)).status).toBe('pending');
    // The other user is not a signer here at all.
    expect((await other.post(`/api/v1/contracts/${id}/sign/passkey/options`)).statusCode).toBe(403);
    // No passkey registered: 409, the e-mail code stays the way.
    const none = await plain.post(`/api/v1/contracts/${id}/sign/passkey/options`);
    expect(none.statusCode).toBe(409);
    expect(none.json().code).toBe('passkey_not_registered');
  });
});
