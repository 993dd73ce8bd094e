import { generate, generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 parameters: SHA-1, 6 digits, 30-second steps, at most one step of clock drift either way. */
export const TOTP_PERIOD = 30;
export const TOTP_DRIFT_STEPS = 1;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, account: string, issuer = 'Pactum'): string {
  return generateURI({ issuer, label: account, secret, period: TOTP_PERIOD, digits: 6, algorithm: 'sha1' });
}

export async function totpCode(secret: string | Uint8Array, at: Date, digits: 6 | 8 = 6): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000), period: TOTP_PERIOD, digits, algorithm: 'sha1' });
}

/**
 * Checks a code against the secret at `at`, accepting one step of drift. A code is accepted once: steps
 * at or before `lastStep` (the last accepted one) are refused. Returns the accepted time step or null.
 */
export async function checkTotp(secret: string, code: string, at: Date, lastStep: number): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const r = await verify({
    secret,
    token: code,
    epoch: Math.floor(at.getTime() / 1000),
    period: TOTP_PERIOD,
    epochTolerance: TOTP_PERIOD * TOTP_DRIFT_STEPS,
    afterTimeStep: lastStep > 0 ? lastStep : undefined,
  }).catch(() => ({ valid: false as const }));
  return r.valid && 'timeStep' in r ? r.timeStep : null;
}
