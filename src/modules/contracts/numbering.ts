/**
 * Tenant number schemes for contract and archive numbers, e.g. `HT-{YYYY}-{seq:5}` → HT-2026-00042.
 * Tokens: {YYYY} {YY} {MM} (the tenant-zone date of numbering), {type} (the contract type), {seq} or
 * {seq:N} (the yearly sequence, zero-padded to N digits). Everything else is literal text (letters,
 * digits, CJK and - _ / . #). A scheme has exactly one {seq} and a year token: the counter restarts
 * every year, so without the year numbers would repeat.
 */
export const DEFAULT_NUMBER_SCHEME = 'HT-{YYYY}-{seq:5}';
export const DEFAULT_ARCHIVE_SCHEME = 'GD-{YYYY}-{seq:5}';

const TOKEN = /\{([^{}]*)\}/g;
const LITERAL = /^[\p{L}\p{N}\-_/.#]*$/u;

/** The error code of an invalid scheme, or null when it is valid. */
export function schemeError(scheme: string): string | null {
  if (scheme.length < 1 || scheme.length > 60) return 'number_scheme_invalid';
  let seq = 0;
  let year = false;
  for (const m of scheme.matchAll(TOKEN)) {
    const t = m[1]!;
    if (t === 'YYYY' || t === 'YY') year = true;
    else if (t === 'MM' || t === 'type') continue;
    else if (/^seq(:([1-9]|10))?$/.test(t)) seq++;
    else return 'number_scheme_token';
  }
  const literal = scheme.replace(TOKEN, '');
  if (/[{}]/.test(literal) || !LITERAL.test(literal)) return 'number_scheme_invalid';
  if (seq !== 1) return 'number_scheme_seq';
  if (!year) return 'number_scheme_year';
  return null;
}

/** Renders a number: `day` is the YYYY-MM-DD of numbering in the tenant zone. */
export function renderNumber(scheme: string, v: { day: string; seq: number; type?: string }): string {
  return scheme.replace(TOKEN, (_all, t: string) => {
    if (t === 'YYYY') return v.day.slice(0, 4);
    if (t === 'YY') return v.day.slice(2, 4);
    if (t === 'MM') return v.day.slice(5, 7);
    if (t === 'type') return (v.type ?? '').replace(/[^\p{L}\p{N}\-_]/gu, '').slice(0, 20);
    const width = Number(t.split(':')[1] ?? 1);
    return String(v.seq).padStart(width, '0');
  });
}
