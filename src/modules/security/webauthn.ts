import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Config } from '../../platform/config.js';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

/** The relying party is this deployment's public URL: its host name is the RP id, its origin the only origin. */
export function relyingParty(config: Config): { rpID: string; origin: string; rpName: string } {
  const u = new URL(config.publicUrl);
  return { rpID: u.hostname, origin: u.origin, rpName: 'Pactum' };
}

export interface StoredCredential {
  id: string;
  public_key: Buffer;
  counter: number;
  transports: string[];
}

export async function registrationOptions(config: Config, user: { id: string; email: string; name: string }, existing: StoredCredential[]) {
  const rp = relyingParty(config);
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: user.email,
    userDisplayName: user.name,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransport[] })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
}

export async function verifyRegistration(config: Config, response: RegistrationResponseJSON, expectedChallenge: string) {
  const rp = relyingParty(config);
  const r = await verifyRegistrationResponse({
    response,
    expectedChallenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    requireUserVerification: false,
  }).catch(() => null);
  if (!r?.verified) return null;
  const c = r.registrationInfo.credential;
  return { id: c.id, publicKey: Buffer.from(c.publicKey), counter: c.counter, transports: (c.transports ?? []) as string[] };
}

export async function authenticationOptions(config: Config, creds: StoredCredential[], challenge?: Uint8Array) {
  const rp = relyingParty(config);
  return generateAuthenticationOptions({
    rpID: rp.rpID,
    ...(challenge ? { challenge: new Uint8Array(challenge) } : {}),
    allowCredentials: creds.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransport[] })),
    userVerification: 'preferred',
  });
}

export async function verifyAuthentication(config: Config, response: AuthenticationResponseJSON, expectedChallenge: string, cred: StoredCredential) {
  const rp = relyingParty(config);
  const r = await verifyAuthenticationResponse({
    response,
    expectedChallenge,
    expectedOrigin: rp.origin,
    expectedRPID: rp.rpID,
    credential: {
      id: cred.id,
      publicKey: new Uint8Array(cred.public_key),
      counter: Number(cred.counter),
      transports: cred.transports as AuthenticatorTransport[],
    },
    requireUserVerification: false,
  }).catch(() => null);
  return r?.verified ? { newCounter: r.authenticationInfo.newCounter } : null;
}
