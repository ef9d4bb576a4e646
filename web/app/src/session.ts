// The signed-in person (SPEC §3, §16): the access token lives only in this module's memory;
// the refresh token only in the HttpOnly cookie the server sets (path /api/v1/auth,
// SameSite=Strict: the app is on the same origin, so its calls to /api/v1/auth/* carry it).
// A reload signs back in through that cookie. The token is renewed a minute before it
// expires; tabs of one browser take turns renewing (Web Locks), because presenting a refresh
// token another tab has just rotated would revoke the whole session (theft detection).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, setTokenSource } from './api/client';
import type { AuthSession, Role, TokenPair, User } from './api/types';

export interface Session {
  user: User;
  token: string;
  expiresAt: number; // ms since the epoch
}

let current: Session | null = null;
let restoring = true;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();
const tokenListeners = new Set<(token: string) => void>();

function notify() {
  listeners.forEach((l) => l());
}

function schedule() {
  clearTimeout(renewTimer);
  if (!current) return;
  const lead = 60_000;
  const wait = Math.max(5_000, current.expiresAt - Date.now() - lead);
  renewTimer = setTimeout(() => void renew(), wait);
}

function adopt(user: User, token: string, expiresIn: number) {
  current = { user, token, expiresAt: Date.now() + expiresIn * 1000 };
  schedule();
  tokenListeners.forEach((l) => l(token));
  notify();
}

export function session(): Session | null {
  return current;
}

export function isRestoring(): boolean {
  return restoring;
}

/** Called with every new access token (the WebSocket re-authenticates with it). */
export function onToken(l: (token: string) => void): () => void {
  tokenListeners.add(l);
  return () => tokenListeners.delete(l);
}

/** Re-renders the calling component when the session changes. */
export function useSession(): Session | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return current;
}

async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request('crema-refresh', fn) : fn();
}

let renewing: Promise<boolean> | null = null;

/** Exchanges the refresh cookie for a new access token; false when the session is over. */
export function renew(): Promise<boolean> {
  if (!renewing) {
    renewing = withRefreshLock(async () => {
      try {
        const pair = await call<TokenPair>('POST', '/auth/refresh', { noRenew: true });
        const user = current?.user ?? (await me(pair.token));
        adopt(user, pair.token, pair.expires_in);
        return true;
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) end();
        return false;
      }
    }).finally(() => {
      renewing = null;
    });
  }
  return renewing;
}

async function me(token: string): Promise<User> {
  const res = await fetch('/api/v1/auth/me', { headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' } });
  if (!res.ok) throw new ApiError(res.status, 'unauthorized', 'Sign in again.');
  return (await res.json()) as User;
}

setTokenSource({ token: () => current?.token ?? null, renew });

/** At start: the refresh cookie, if any, signs the person back in. */
export async function restore(): Promise<void> {
  try {
    await renew();
  } finally {
    restoring = false;
    notify();
  }
}

export interface Credentials {
  email: string;
  password: string;
  otp?: string;
  /** SPEC §15.1: one of the ten recovery codes, in place of otp (the API takes it with issue 21). */
  recovery_code?: string;
}

export async function signIn(c: Credentials): Promise<User> {
  const body: Record<string, string> = { email: c.email, password: c.password };
  if (c.otp) body.otp = c.otp;
  if (c.recovery_code) body.recovery_code = c.recovery_code;
  const s = await withRefreshLock(() => call<AuthSession>('POST', '/auth/login', { body, noRenew: true }));
  adopt(s.user, s.token, s.expires_in);
  return s.user;
}

function end() {
  clearTimeout(renewTimer);
  current = null;
  notify();
}

export async function signOut(): Promise<void> {
  try {
    if (current) await call<void>('POST', '/auth/logout', { noRenew: true });
  } catch {
    // signed out here whatever the server said
  }
  end();
}

const rank: Record<Role, number> = { customer: 0, driver: 1, staff: 2, manager: 3, admin: 4 };
/** Whether the role is at least `min` in SPEC §3's order (admin > manager > staff). */
export function atLeast(role: Role | undefined, min: Role): boolean {
  return role !== undefined && rank[role] >= rank[min];
}
