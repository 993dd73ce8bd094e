import { diffLines, diffWordsWithSpace } from 'diff';
import { AppError, fieldError } from '../../platform/http/errors.js';
import type { KeyService } from '../../platform/crypto.js';

/** Template variables: `{{name}}` with a type that decides how the value is checked and rendered. */
export type VariableType = 'text' | 'date' | 'amount' | 'party';
export interface TemplateVariable {
  name: string;
  type: VariableType;
  label?: string;
  required?: boolean;
}

const VAR_RE = /\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g;

/** The variable names a template body uses. */
export function variablesIn(body: string): string[] {
  return [...new Set([...body.matchAll(VAR_RE)].map((m) => m[1]!))];
}

/** 1234567 fen → 人民币12,345.67元 */
export function formatAmount(fen: number): string {
  const yuan = (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `人民币${yuan}元`;
}

/** 2026-03-10 → 2026年3月10日 */
export function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/**
 * Renders a template: every `{{var}}` of the body must be declared and given a value of its type
 * (date: YYYY-MM-DD, amount: integer fen ≥ 0, text/party: non-empty single line). Unknown or missing
 * values → 422 with the path `values.<name>`.
 */
export function renderTemplate(body: string, variables: TemplateVariable[], values: Record<string, unknown>): string {
  const errors: Array<{ path: string; code: string; params?: Record<string, string | number> }> = [];
  const declared = new Map(variables.map((v) => [v.name, v]));
  const rendered = new Map<string, string>();
  for (const name of variablesIn(body)) {
    const v = declared.get(name);
    const path = `values.${name}`;
    if (!v) {
      errors.push({ path, code: 'template_variable_undeclared' });
      continue;
    }
    const raw = values[name];
    if (raw === undefined || raw === null || raw === '') {
      errors.push({ path, code: 'required' });
      continue;
    }
    switch (v.type) {
      case 'amount': {
        const n = typeof raw === 'number' ? raw : Number(raw);
        if (!Number.isSafeInteger(n) || n < 0) errors.push({ path, code: 'amount_invalid' });
        else rendered.set(name, formatAmount(n));
        break;
      }
      case 'date': {
        if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || Number.isNaN(Date.parse(`${raw}T00:00:00Z`))) {
          errors.push({ path, code: 'date_invalid' });
        } else rendered.set(name, formatDate(raw));
        break;
      }
      default: {
        if (typeof raw !== 'string' || /[\u0000-\u001F]/.test(raw) || raw.length > 500) errors.push({ path, code: 'text_invalid' });
        else rendered.set(name, raw.trim());
      }
    }
  }
  if (errors.length) throw new AppError(422, 'validation_failed', {}, errors);
  return body.replace(VAR_RE, (_, n: string) => rendered.get(n) ?? '');
}

/** Text of an uploaded DOCX (mammoth) or PDF (unpdf). */
export async function extractText(buf: Buffer, mime: string): Promise<string> {
  if (mime === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document') {
    const mammoth = await import('mammoth');
    const r = await mammoth.extractRawText({ buffer: buf });
    return normalizeBody(r.value);
  }
  if (mime === 'application/pdf') {
    const { extractText: pdfText, getDocumentProxy } = await import('unpdf');
    const pdf = await getDocumentProxy(new Uint8Array(buf));
    const r = await pdfText(pdf, { mergePages: true });
    return normalizeBody(Array.isArray(r.text) ? r.text.join('\n') : r.text);
  }
  throw fieldError('file', 'file_type_refused', { allowed: 'DOCX, PDF', detected: mime });
}

export function normalizeBody(s: string): string {
  return s.normalize('NFC').replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** Characters that carry meaning for search: letters and digits (CJK included), lower-cased. */
function searchChars(s: string): string[] {
  return Array.from(s.normalize('NFKC').toLowerCase()).filter((c) => /[\p{L}\p{N}]/u.test(c));
}

/** Unigrams and bigrams of the text (within runs of letters/digits). */
export function grams(s: string): Set<string> {
  const out = new Set<string>();
  const runs = s.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u);
  for (const run of runs) {
    const cs = Array.from(run);
    for (let i = 0; i < cs.length; i++) {
      out.add(cs[i]!);
      if (i + 1 < cs.length) out.add(cs[i]! + cs[i + 1]!);
    }
  }
  return out;
}

/** Grams a query needs: its bigrams (or the single character). */
export function queryGrams(q: string): string[] {
  const out = new Set<string>();
  for (const run of q.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    const cs = Array.from(run);
    if (cs.length === 1) out.add(cs[0]!);
    for (let i = 0; i + 1 < cs.length; i++) out.add(cs[i]! + cs[i + 1]!);
  }
  return [...out];
}

/** Keyed tokens of grams: HMAC under a per-tenant key, truncated; the body is never stored in clear. */
export function gramTokens(keys: KeyService, tenantId: string, gs: Iterable<string>): string[] {
  return [...new Set([...gs].map((g) => keys.blindIndex('contract-body-gram', { tenantId }, g).slice(0, 11)))].sort();
}

export function hasSearchChars(q: string): boolean {
  return searchChars(q).length > 0;
}

export interface DiffPart {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

/** A readable diff: lines, and within changed lines, words (CJK characters count as words). */
export function diffBodies(a: string, b: string, mode: 'line' | 'word'): DiffPart[] {
  const parts = mode === 'line' ? diffLines(a, b) : diffWordsWithSpace(a, b);
  return parts.map((p) => ({ op: p.added ? 'insert' : p.removed ? 'delete' : 'equal', text: p.value }));
}
