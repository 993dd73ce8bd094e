import argon2 from 'argon2';
import crypto from 'node:crypto';
import type { FieldError } from './http/errors.js';

/** argon2id with the library's defaults (m=64 MiB, t=3, p=4). */
export const hashPassword = (plain: string) => argon2.hash(plain, { type: argon2.argon2id });

export async function verifyPassword(hash: string | null | undefined, plain: string): Promise<boolean> {
  if (!hash) {
    // Spend the same time when there is no account, so timing does not reveal which e-mails exist.
    await argon2.verify(DUMMY_HASH, plain).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, plain);
  } catch {
    return false;
  }
}

const DUMMY_HASH = '$argon2id$v=19$m=65536,p=4,t=3$2X6KRH+0Zt7rvPO6FWkneA$yb4slFmJEdEnY8138YbEahvIj5pv6byOLZ6QxiSN7IU';

export const MIN_PASSWORD_LENGTH = 10;

/** A short list of the most used passwords (and patterns) that are refused whatever their length. */
const COMMON = new Set([
  'password', 'password1', 'password123', 'passw0rd', '12345678', '123456789', '1234567890', '12345678910', 'qwertyuiop',
  'qwerty123', '1q2w3e4r5t', 'iloveyou', 'admin123', 'admin@123', 'administrator', 'welcome1', 'welcome123',
  'abc123456', 'a123456789', '11111111', '00000000', '88888888', '66666666', '147258369', '123123123', 'woaini1314',
  'aa123456', 'zxcvbnm123', 'changeme', 'changeme123', 'letmein123', 'p@ssw0rd', 'p@ssword', 'pactum123', 'pactum2026',
]);

export function checkPasswordPolicy(pw: string, identity: { email?: string; name?: string }, field = 'newPassword'): FieldError[] {
  const errors: FieldError[] = [];
  if ([...pw].length < MIN_PASSWORD_LENGTH) errors.push({ path: field, code: 'password_too_short', params: { min: MIN_PASSWORD_LENGTH } });
  const lower = pw.toLowerCase();
  if (COMMON.has(lower) || /^(.)\1+$/.test(pw) || /^(0123456789|1234567890|abcdefghij)/.test(lower)) {
    errors.push({ path: field, code: 'password_too_common' });
  }
  const local = identity.email?.split('@')[0]?.toLowerCase();
  const name = identity.name?.toLowerCase().replace(/\s+/g, '');
  if ((local && local.length >= 3 && lower.includes(local)) || (identity.email && lower.includes(identity.email.toLowerCase())) || (name && name.length >= 2 && lower.includes(name))) {
    errors.push({ path: field, code: 'password_contains_identity' });
  }
  return errors;
}

/** A system-issued password: 16 characters from an unambiguous alphabet, with a digit and a symbol. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < 14; i++) s += alphabet[crypto.randomInt(alphabet.length)];
  return `${s.slice(0, 7)}-${s.slice(7)}${crypto.randomInt(10)}`;
}
