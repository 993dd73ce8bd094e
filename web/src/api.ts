import type { FormInstance } from 'antd';
import i18n from './i18n';

export interface ProblemFieldError {
  path: string;
  code: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code?: string;
  detail?: string;
  errors?: ProblemFieldError[];
}

export const API_BASE = '/api/v1';

/** Error thrown by the fetch wrapper for every non-2xx response (or network failure). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly problem: Problem;
  /** Seconds from the Retry-After header (429/503), if any. */
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get fieldErrors(): ProblemFieldError[] {
    return this.problem.errors ?? [];
  }
}

/**
 * Sensitive actions answer 403 `reauth_required` when the user has not proven their identity recently. A
 * handler (the re-authentication dialog, mounted once at the root) asks for the password or a second factor
 * and resolves true once POST /auth/reauth succeeded (which rotates the session and its CSRF token), or false
 * when the user cancelled. The request is then retried once, so every page gets this for free.
 */
export type ReauthHandler = (problem: Problem) => Promise<boolean>;
let reauthHandler: ReauthHandler | null = null;
export function setReauthHandler(handler: ReauthHandler | null): () => void {
  reauthHandler = handler;
  return () => {
    if (reauthHandler === handler) reauthHandler = null;
  };
}

type ProblemListener = (error: ApiError, path: string) => void;
const listeners = new Set<ProblemListener>();

/** Subscribe to every API error (used by the auth provider for 401 / password_change_required). */
export function onApiError(listener: ProblemListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function readCookie(name: string): string | undefined {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(';')) {
    const item = part.trim();
    if (item.startsWith(prefix)) {
      try {
        return decodeURIComponent(item.slice(prefix.length));
      } catch {
        return item.slice(prefix.length);
      }
    }
  }
  return undefined;
}

/** The Accept-Language value for the current UI language. */
export function currentApiLanguage(): 'zh-CN' | 'en' {
  return (i18n.resolvedLanguage ?? i18n.language ?? '').startsWith('en') ? 'en' : 'zh-CN';
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return undefined;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** JSON-serialisable body, or FormData for multipart uploads. */
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Return the body as a Blob (downloads) instead of parsing JSON. */
  blob?: boolean;
  /** Internal: this is the retry after a re-authentication (never ask twice). */
  reauthRetried?: boolean;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': currentApiLanguage(),
    ...options.headers,
  };
  if (method !== 'GET') {
    const csrf = readCookie('csrf_token');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body; // browser sets the multipart boundary
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }

  let url = path.startsWith('/api/') ? path : `${API_BASE}${path}`;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }

  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    const error = new ApiError({ status: 0, code: 'network_error', detail: i18n.t('errors.network') });
    listeners.forEach((l) => l(error, path));
    throw error;
  }

  if (response.ok) {
    if (options.blob) return (await response.blob()) as T;
    if (response.status === 204 || response.status === 205) return undefined as T;
    const text = await response.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as unknown as T;
    }
  }

  let problem: Problem = { status: response.status };
  try {
    const text = await response.text();
    if (text) {
      const parsed = JSON.parse(text) as Partial<Problem>;
      if (parsed && typeof parsed === 'object') problem = { ...parsed, status: parsed.status ?? response.status };
    }
  } catch {
    /* not JSON (e.g. a proxy error page) */
  }
  if (!problem.detail) problem.detail = problem.title || i18n.t(`errors.http.${statusBucket(response.status)}`);
  if (problem.code === 'reauth_required' && reauthHandler && !options.reauthRetried) {
    if (await reauthHandler(problem)) return request<T>(path, { ...options, reauthRetried: true });
  }
  const error = new ApiError(problem, parseRetryAfter(response.headers.get('Retry-After')));
  listeners.forEach((l) => l(error, path));
  throw error;
}

function statusBucket(status: number): string {
  if ([400, 401, 403, 404, 409, 413, 415, 422, 429].includes(status)) return String(status);
  return status >= 500 ? '500' : 'generic';
}

export const api = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'POST', body }),
  put: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'PUT', body }),
  patch: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'PATCH', body }),
  delete: <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) =>
    request<T>(path, { ...options, method: 'DELETE' }),
};

/**
 * Downloads a file from the API (CSV exports, ...) through the fetch wrapper, so that a 403 reauth_required
 * opens the re-authentication dialog and the download is retried, instead of the browser showing raw JSON.
 */
export async function downloadFile(path: string, filename: string, query?: RequestOptions['query']): Promise<void> {
  const blob = await request<Blob>(path, { method: 'GET', query, blob: true, headers: { Accept: '*/*' } });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Normalises a problem `errors[].path` ("body.uscc", "/uscc", "uscc") to a form field name. */
export function fieldNameFromPath(path: string): string {
  return path.replace(/^\/+/, '').replace(/^(body|query|params)[./]/, '').split(/[./]/)[0] ?? path;
}

/**
 * Puts server-side field errors onto the matching Form.Items.
 * Returns the errors that could not be mapped to a field of this form.
 */
export function applyFieldErrors(
  form: FormInstance,
  error: unknown,
  knownFields: readonly string[],
): ProblemFieldError[] {
  if (!(error instanceof ApiError)) return [];
  const byField = new Map<string, string[]>();
  const unmapped: ProblemFieldError[] = [];
  for (const fieldError of error.fieldErrors) {
    const name = fieldNameFromPath(fieldError.path);
    if (knownFields.includes(name)) {
      byField.set(name, [...(byField.get(name) ?? []), fieldError.message]);
    } else {
      unmapped.push(fieldError);
    }
  }
  if (byField.size > 0) {
    form.setFields([...byField.entries()].map(([name, errors]) => ({ name, errors })));
  }
  return unmapped;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return i18n.t('errors.http.generic');
}
