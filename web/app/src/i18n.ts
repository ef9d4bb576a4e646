// Texts live in messages/*.json; this module picks the locale (remembered per device in
// localStorage), sets the page's lang and dir (Arabic is right-to-left), and formats numbers,
// money, dates and times the way the locale writes them (Arabic-Indic digits in Arabic).
import { useEffect, useState } from 'preact/hooks';
import en from './messages/en.json';
import ar from './messages/ar.json';

export type Locale = 'en' | 'ar';
export type MessageKey = keyof typeof en;

// Arabic must have every English key: a missing one fails the type check of the build.
const catalogues: Record<Locale, Record<string, string>> = { en, ar: ar satisfies Record<MessageKey, string> };
export const locales: { code: Locale; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'ar', name: 'العربية' },
];
const storageKey = 'crema.locale';

function initial(): Locale {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'en' || saved === 'ar') return saved;
  } catch {
    // storage may be off (private mode): the default then
  }
  return navigator.language.toLowerCase().startsWith('ar') ? 'ar' : 'en';
}

let current: Locale = initial();
const listeners = new Set<() => void>();

function apply() {
  const root = document.documentElement;
  root.lang = current;
  root.dir = current === 'ar' ? 'rtl' : 'ltr';
  document.title = t('app.title');
}
apply();

export function locale(): Locale {
  return current;
}

export function setLocale(next: Locale) {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(storageKey, next);
  } catch {
    // not remembered, still switched
  }
  apply();
  listeners.forEach((l) => l());
}

/** Re-renders the calling component when the locale changes. */
export function useLocale(): Locale {
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

/** A message in the current locale; `{name}` placeholders are filled from `vars`. */
export function t(key: MessageKey, vars?: Record<string, string | number>): string {
  let text = catalogues[current][key] ?? en[key] ?? key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) {
      // A text value (an order number, a name) is isolated in right-to-left text (U+2068…
      // U+2069), or "20261207-0038" would be shown as "0038-20261207".
      const shown = typeof v === 'number' ? num(v) : current === 'ar' ? `\u2068${v}\u2069` : v;
      text = text.split(`{${k}}`).join(shown);
    }
  }
  return text;
}

/** A message key chosen at run time (a status, an order type) with a fallback. */
export function tx(key: string, fallback: string): string {
  return catalogues[current][key] ?? en[key as MessageKey] ?? fallback;
}

const cache = new Map<string, Intl.NumberFormat>();
function nf(opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const k = current + JSON.stringify(opts);
  let f = cache.get(k);
  if (!f) {
    f = new Intl.NumberFormat(current, opts);
    cache.set(k, f);
  }
  return f;
}

export function num(n: number, maxDigits = 3): string {
  return nf({ maximumFractionDigits: maxDigits }).format(n);
}

export function money(amount: number, currency: string, signed = false): string {
  // The currency sign is isolated (U+2066…U+2069) so that a Latin sign such as "US$" keeps
  // its own order inside right-to-left text instead of being split by the bidi algorithm.
  return nf({ style: 'currency', currency, currencyDisplay: 'narrowSymbol', signDisplay: signed ? 'exceptZero' : 'auto' })
    .formatToParts(amount)
    .map((p) => (p.type === 'currency' ? `\u2066${p.value}\u2069` : p.value))
    .join('');
}

export function time(iso: string): string {
  return new Intl.DateTimeFormat(current, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** A business date (YYYY-MM-DD) as the locale writes a short day. */
export function day(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Intl.DateTimeFormat(current, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** Minutes as the locale writes a duration ("12 min", "١٢ د"). */
export function minutes(n: number): string {
  return t('time.minutes', { n: Math.floor(n) });
}
