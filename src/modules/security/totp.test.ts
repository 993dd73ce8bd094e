import { describe, expect, it } from 'vitest';
import { checkTotp, newTotpSecret, totpCode, totpUri } from './totp.js';

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 Appendix B, SHA-1, 8 digits, secret = ASCII "12345678901234567890".
  const secret = new TextEncoder().encode('12345678901234567890');
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('matches the RFC test vector at T=%i', async (t, expected) => {
    expect(await totpCode(secret, new Date(t * 1000), 8)).toBe(expected);
  });

  it('accepts one step of drift either way, refuses two, and never accepts a code twice', async () => {
    const s = newTotpSecret();
    const now = new Date(Date.UTC(2026, 11, 3, 10, 0, 15));
    const step = Math.floor(now.getTime() / 30_000);
    const at = (offsetSteps: number) => totpCode(s, new Date(now.getTime() + offsetSteps * 30_000));
    expect(await checkTotp(s, await at(0), now, 0)).toBe(step);
    expect(await checkTotp(s, await at(-1), now, 0)).toBe(step - 1);
    expect(await checkTotp(s, await at(1), now, 0)).toBe(step + 1);
    expect(await checkTotp(s, await at(-2), now, 0)).toBeNull();
    expect(await checkTotp(s, await at(2), now, 0)).toBeNull();
    // Replay: the step already used (and any before it) is refused.
    expect(await checkTotp(s, await at(0), now, step)).toBeNull();
    expect(await checkTotp(s, await at(-1), now, step)).toBeNull();
    expect(await checkTotp(s, await at(1), now, step)).toBe(step + 1);
    expect(await checkTotp(s, '12345', now, 0)).toBeNull();
  });

  it('builds an otpauth URI an authenticator app can scan', () => {
    const uri = totpUri('JBSWY3DPEHPK3PXPJBSWY3DP', 'li.si@example.com');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Pactum:li\.si(%40|@)example\.com\?/);
    expect(uri).toContain('secret=JBSWY3DPEHPK3PXPJBSWY3DP');
    expect(uri).toContain('issuer=Pactum');
  });
});
