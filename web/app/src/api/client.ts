// Every call to the API goes through here: the access token from memory as a bearer token,
// the spec's one error shape turned into ApiError, and one renewal of the token (through the
// refresh cookie) when a call answers 401.
import type { ApiErrorBody } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { field: string; issue: string }[] = [],
    readonly requestId = '',
  ) {
    super(message);
  }
  /** Whether a field was named in the details ("otp is required"). */
  about(field: string): string | undefined {
    return this.details.find((d) => d.field === field)?.issue;
  }
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Do not try to renew the token on 401 (the auth routes themselves). */
  noRenew?: boolean;
  /** Answer the Response itself (CSV downloads) instead of parsing JSON. */
  raw?: boolean;
}

interface TokenSource {
  token(): string | null;
  renew(): Promise<boolean>;
}
let tokens: TokenSource = { token: () => null, renew: async () => false };
/** The session registers itself here (avoids an import cycle). */
export function setTokenSource(source: TokenSource) {
  tokens = source;
}

export const base = '/api/v1';

async function toError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as ApiErrorBody;
    const e = body.error;
    return new ApiError(res.status, e.code, e.message, e.details ?? [], e.request_id ?? '');
  } catch {
    return new ApiError(res.status, 'http_' + res.status, res.statusText || 'Request failed');
  }
}

export async function call<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const attempt = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: opts.raw ? 'text/csv' : 'application/json', ...opts.headers };
    const token = tokens.token();
    if (token) headers.Authorization = 'Bearer ' + token;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    return fetch(base + path, { method, headers, body, credentials: 'same-origin' });
  };
  let res: Response;
  try {
    res = await attempt();
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached.');
  }
  if (res.status === 401 && !opts.noRenew && tokens.token() && (await tokens.renew())) {
    res = await attempt();
  }
  if (!res.ok) throw await toError(res);
  if (opts.raw) return res as unknown as T;
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
  call<T>('POST', path, { body, headers });
export const put = <T>(path: string, body?: unknown) => call<T>('PUT', path, { body });

/** A query string from the defined values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Fetches `path` as CSV (`?format=csv`) with the bearer token and saves it as a file. */
export async function downloadCsv(path: string, filename: string) {
  const sep = path.includes('?') ? '&' : '?';
  const res = await call<Response>('GET', path + sep + 'format=csv', { raw: true });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A fresh idempotency key for one attempt at creating something (SPEC §2). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
