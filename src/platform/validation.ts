/**
 * Onboarding input validation: pure functions, no I/O.
 *
 * - Unified social credit code (统一社会信用代码, USCC) per GB 32100-2015.
 * - Mainland China mobile numbers, normalised to E.164.
 * - E-mail addresses (display form and uniqueness key).
 * - Single-line text hygiene (control / bidi / zero-width characters, whitespace).
 */

// ---------------------------------------------------------------------------
// USCC (GB 32100-2015)
// ---------------------------------------------------------------------------

/** The 31-character USCC alphabet: digits and upper-case letters without I, O, S, V, Z. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Weights for positions 1..17 (3^(i-1) mod 31). */
export const USCC_WEIGHTS: readonly number[] = [
  1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

export type UsccErrorCode =
  | 'uscc_required'
  | 'uscc_legacy_registration_number'
  | 'uscc_length'
  | 'uscc_charset'
  | 'uscc_check_character';

export type UsccResult = { ok: true; value: string } | { ok: false; code: UsccErrorCode };

/**
 * Whitespace (incl. U+3000 ideographic space, NBSP), zero-width characters and
 * dash-like characters (ASCII hyphen-minus, U+2010–U+2015 hyphens/dashes, U+2212
 * minus, U+FE58/U+FE63/U+FF0D small/full-width hyphens).
 * Applied after NFKC, which already folds U+FF0D and U+FE63 into '-'.
 */
const USCC_SEPARATORS = /[\s\u200B-\u200D\u2060\uFEFF\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;

/** NFKC (full-width → ASCII), drop spaces, dashes and other whitespace, upper-case. */
export function normalizeUscc(input: string): string {
  return input.normalize('NFKC').replace(USCC_SEPARATORS, '').toUpperCase();
}

/** The check character (position 18) for the first 17 characters, or null if a character is outside the alphabet. */
export function usccCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17.charAt(i));
    if (value < 0) return null;
    sum += value * (USCC_WEIGHTS[i] as number);
  }
  const check = 31 - (sum % 31);
  return USCC_ALPHABET.charAt(check === 31 ? 0 : check);
}

/**
 * Normalise and validate a USCC.
 *
 * Checks, in order: empty → uscc_required; 15 digits (pre-2015 business registration
 * number) → uscc_legacy_registration_number; length ≠ 18 → uscc_length; a character
 * outside the alphabet → uscc_charset; wrong check character → uscc_check_character.
 *
 * The registration-authority code (position 1) and category (position 2) are NOT
 * checked: the code tables have been extended since 2015 and refusing a real code
 * would be worse than accepting an unusual one; the check character already catches
 * typing errors.
 */
export function checkUscc(input: string): UsccResult {
  const value = normalizeUscc(input);
  if (value.length === 0) return { ok: false, code: 'uscc_required' };
  if (/^\d{15}$/.test(value)) return { ok: false, code: 'uscc_legacy_registration_number' };
  if (Array.from(value).length !== 18) return { ok: false, code: 'uscc_length' };
  for (const ch of value) {
    if (!USCC_ALPHABET.includes(ch)) return { ok: false, code: 'uscc_charset' };
  }
  if (usccCheckCharacter(value.slice(0, 17)) !== value.charAt(17)) {
    return { ok: false, code: 'uscc_check_character' };
  }
  return { ok: true, value };
}

// ---------------------------------------------------------------------------
// Mobile numbers (mainland China)
// ---------------------------------------------------------------------------

export type MobileResult = { ok: true; value: string } | { ok: false; code: 'mobile_invalid' };

/**
 * Accepts a mainland China mobile number: optional +86 / 0086 / 86 prefix (only when
 * followed by 11 digits), spaces, dashes, parentheses, full-width characters.
 * Returns E.164, e.g. "+8613800138001".
 */
export function normalizeMobile(input: string): MobileResult {
  const compact = input
    .normalize('NFKC')
    .replace(/[\s\u200B-\u200D\u2060\uFEFF\-\u2010-\u2015\u2212\uFE58\uFE63()]/g, '');
  const match = /^(?:\+86|0086|86)?(\d{11})$/.exec(compact);
  const national = match?.[1];
  if (national === undefined || !/^1[3-9]\d{9}$/.test(national)) {
    return { ok: false, code: 'mobile_invalid' };
  }
  return { ok: true, value: `+86${national}` };
}

// ---------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------

/** Display form: trimmed, NFKC, domain lower-cased, local part kept as typed. */
export function normalizeEmail(input: string): string {
  const s = input.normalize('NFKC').trim();
  const at = s.lastIndexOf('@');
  if (at < 0) return s;
  return s.slice(0, at) + s.slice(at).toLowerCase();
}

/** Uniqueness key: the normalised address, fully lower-cased. */
export function emailKey(input: string): string {
  return normalizeEmail(input).toLowerCase();
}

const EMAIL_LOCAL_FORBIDDEN = /[\s"(),:;<>@[\\\]]/u;
const EMAIL_DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;

/**
 * Practical check (not full RFC 5322): one '@', non-empty local part ≤ 64 chars without
 * whitespace, control characters, quotes or specials, no leading/trailing/double dots;
 * a domain of at least two dot-separated labels (letters, digits, hyphens; no
 * leading/trailing hyphen), a non-numeric TLD of ≥ 2 characters; ≤ 254 characters overall.
 * The input is normalised with {@link normalizeEmail} first.
 */
export function isValidEmail(input: string): boolean {
  const s = normalizeEmail(input);
  if (s.length === 0 || s.length > 254) return false;
  if (hasControlCharacters(s)) return false;
  const parts = s.split('@');
  if (parts.length !== 2) return false;
  const [local, domain] = parts as [string, string];
  if (local.length === 0 || local.length > 64) return false;
  if (EMAIL_LOCAL_FORBIDDEN.test(local)) return false;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  if (domain.length === 0 || domain.length > 253) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((label) => EMAIL_DOMAIN_LABEL.test(label))) return false;
  const tld = labels[labels.length - 1] as string;
  if (tld.length < 2 || /^\d+$/.test(tld)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Text hygiene
// ---------------------------------------------------------------------------

/**
 * C0 controls (U+0000–U+001F, incl. tab/CR/LF), DEL and C1 controls (U+007F–U+009F),
 * line/paragraph separators (U+2028, U+2029), bidi embedding/override/isolate controls
 * (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C), zero-width
 * characters (U+200B–U+200D, U+2060, U+FEFF).
 */
const FORBIDDEN_CHARACTERS =
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/;

/**
 * True when `s` contains a character that has no place in single-line text such as a
 * name or an address. Check the raw input, before {@link cleanText} (which would turn
 * tabs and newlines into spaces).
 */
export function hasControlCharacters(s: string): boolean {
  return FORBIDDEN_CHARACTERS.test(s);
}

/** NFC normalise, trim, collapse inner runs of whitespace to a single space. */
export function cleanText(s: string): string {
  return s.normalize('NFC').trim().replace(/\s+/g, ' ');
}
