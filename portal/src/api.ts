// The API client: same-origin fetch, CSRF header, problem+json errors (docs/api.md).
import type { ReferralStatus } from './types';

/** An API failure. `status` 0 means the request never got an answer (network error). */
export class ApiError extends Error {
  status: number;
  type: string;
  title: string;
  detail: string;
  /** field path (e.g. "patient.dateOfBirth", "conditions.2", "Idempotency-Key") → message */
  errors: Record<string, string>;
  retryAfter?: number;
  /** for an illegal status change (422): the statuses allowed now (absent when the referral is final) */
  allowed?: ReferralStatus[];
  /** for a wrong magic-link code (401 …/wrong-code): how many more codes the link takes */
  triesLeft?: number;
  /** for a locked status code (423 …/code-locked): the practice to call */
  practice?: { name: string; phone: string };

  constructor(init: { status: number; type?: string; title: string; detail?: string; errors?: Record<string, string>; retryAfter?: number; allowed?: ReferralStatus[]; triesLeft?: number; practice?: { name: string; phone: string } }) {
    super(init.detail || init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.type = init.type ?? 'about:blank';
    this.title = init.title;
    this.detail = init.detail ?? '';
    this.errors = init.errors ?? {};
    this.retryAfter = init.retryAfter;
    this.allowed = init.allowed;
    this.triesLeft = init.triesLeft;
    this.practice = init.practice;
  }
}

const FALLBACK_TITLES: Record<number, string> = {
  0: 'Could not reach Referloop. Check your connection and try again.',
  400: 'The request was not understood',
  401: 'Please sign in',
  403: 'You are not allowed to do that',
  404: 'Not found',
  409: 'Conflict',
  413: 'That is too much text',
  422: 'Some fields need attention',
  429: 'Too many requests. Please wait a moment and try again.',
};

/** Builds an ApiError from a response's status, content type, body text and Retry-After header. */
export function parseProblem(status: number, contentType: string | null, body: string, retryAfter?: string | null): ApiError {
  let data: unknown;
  if (body && /json/i.test(contentType ?? '')) {
    try {
      data = JSON.parse(body);
    } catch {
      data = undefined;
    }
  }
  const p = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const errors: Record<string, string> = {};
  if (Array.isArray(p.errors)) {
    for (const e of p.errors) {
      if (!e || typeof e !== 'object') continue;
      const { field, detail } = e as { field?: unknown; detail?: unknown };
      const key = typeof field === 'string' && field ? field : '';
      const msg = typeof detail === 'string' && detail ? detail : 'is not valid';
      errors[key] = errors[key] ? `${errors[key]}; ${msg}` : msg;
    }
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const ra = retryAfter ? Number(retryAfter) : NaN;
  return new ApiError({
    status,
    type: str(p.type),
    title: str(p.title) || FALLBACK_TITLES[status] || (status >= 500 ? 'Something went wrong on our side. Please try again.' : `Request failed (${status})`),
    detail: str(p.detail),
    errors,
    retryAfter: Number.isFinite(ra) ? ra : undefined,
    allowed: Array.isArray(p.allowed) ? p.allowed.filter((x): x is ReferralStatus => typeof x === 'string') : undefined,
    triesLeft: typeof p.triesLeft === 'number' ? p.triesLeft : undefined,
    practice: p.practice && typeof p.practice === 'object'
      ? { name: str((p.practice as Record<string, unknown>).name) ?? '', phone: str((p.practice as Record<string, unknown>).phone) ?? '' }
      : undefined,
  });
}

export function readCookie(name: string, cookies: string = typeof document === 'undefined' ? '' : document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }
  }
  return undefined;
}

let unauthorized: ((err: ApiError) => void) | null = null;

/** Called on a 401 from a request made in a signed-in area (not for `anonymous` requests). */
export function onUnauthorized(fn: (err: ApiError) => void): void {
  unauthorized = fn;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** a request that may be made signed out: a 401 is returned to the caller, not redirected */
  anonymous?: boolean;
}

/** A request's answer with its ETag header (for If-Match on the next change). */
export async function requestTagged<T>(method: string, path: string, opts: RequestOptions = {}): Promise<{ data: T; etag: string | null }> {
  let etag: string | null = null;
  const data = await request<T>(method, path, opts, (h) => (etag = h.get('ETag')));
  return { data, etag };
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}, onHeaders?: (h: Headers) => void): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...opts.headers };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie('rl_csrf');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError({ status: 0, type: 'network', title: FALLBACK_TITLES[0] });
  }
  const text = await res.text().catch(() => '');
  onHeaders?.(res.headers);
  if (!res.ok) {
    const err = parseProblem(res.status, res.headers.get('Content-Type'), text, res.headers.get('Retry-After'));
    if (res.status === 401 && !opts.anonymous && unauthorized) unauthorized(err);
    throw err;
  }
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError({ status: res.status, type: 'parse', title: 'Unexpected answer from the server' });
  }
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, { ...opts, body }),
  del: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
};

/** A user-facing sentence for any error thrown by the client. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429 && err.retryAfter) {
      // A daily limit says which in its detail and lifts at midnight UTC: hours, not seconds.
      const s = err.retryAfter;
      const wait = s > 5400 ? `${Math.ceil(s / 3600)} h` : s > 90 ? `${Math.ceil(s / 60)} min` : `${s} s`;
      return `${s > 900 && err.detail ? err.detail : err.title} (try again in ${wait})`;
    }
    return err.detail && err.status !== 422 ? `${err.title}: ${err.detail}` : err.title;
  }
  return 'Something went wrong. Please try again.';
}
