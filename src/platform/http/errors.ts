import { messages, type Locale } from './messages.js';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `uscc` or `counterparties.0.name`. */
  path: string;
  code: string;
  params?: Record<string, string | number>;
}

/**
 * An error the client caused or may see. Rendered as RFC 9457 problem details with a stable `code`
 * and a message in the request's language. Anything that is not an AppError becomes a 500 without
 * details (never a stack trace).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: Record<string, string | number> = {},
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
  }
}

export const badRequest = (code: string, params?: Record<string, string | number>) => new AppError(400, code, params);
export const unauthorized = (code = 'unauthenticated') => new AppError(401, code);
export const forbidden = (code = 'forbidden', params?: Record<string, string | number>) => new AppError(403, code, params);
export const notFound = (code = 'not_found') => new AppError(404, code);
export const conflict = (code: string, params?: Record<string, string | number>) => new AppError(409, code, params);
export const invalid = (errors: FieldError[]) => new AppError(422, 'validation_failed', {}, errors);
export const fieldError = (path: string, code: string, params?: Record<string, string | number>) =>
  new AppError(422, 'validation_failed', {}, [{ path, code, params }]);

export function pickLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'zh-CN';
  const prefs = acceptLanguage
    .split(',')
    .map((part, i) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.map((r) => r.trim()).find((r) => r.startsWith('q='));
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1, i };
    })
    .filter((p) => p.tag && p.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const p of prefs) {
    if (p.tag.startsWith('zh')) return 'zh-CN';
    if (p.tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

export function translate(code: string, locale: Locale, params: Record<string, string | number> = {}): string {
  const entry = messages[code] ?? messages.internal_error;
  const text = entry[locale === 'en' ? 'en' : 'zh'];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] !== undefined ? String(params[k]) : `{${k}}`));
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ path: string; code: string; message: string }>;
}

/** "3592 seconds" reads better as "60 minutes". */
function humanWait(seconds: number, locale: Locale): string {
  if (seconds < 120) return locale === 'en' ? `${seconds} seconds` : `${seconds} 秒`;
  const m = Math.ceil(seconds / 60);
  return locale === 'en' ? `${m} minutes` : `${m} 分钟`;
}

export function toProblem(err: AppError, locale: Locale): Problem {
  if (typeof err.params.seconds === 'number') err = new AppError(err.status, err.code, { ...err.params, wait: humanWait(err.params.seconds, locale) }, err.errors, err.headers);
  const problem: Problem = {
    type: `urn:pactum:problem:${err.code}`,
    title: translate(`status_${err.status}`, locale),
    status: err.status,
    code: err.code,
    detail: translate(err.code, locale, err.params),
  };
  if (err.errors.length) {
    problem.errors = err.errors.map((e) => ({ path: e.path, code: e.code, message: translate(e.code, locale, e.params) }));
    if (err.code === 'validation_failed' && err.errors.length === 1) problem.detail = problem.errors[0]!.message;
  }
  return problem;
}
