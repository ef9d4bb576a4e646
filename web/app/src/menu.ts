// The menu (GET /menu), shared by the screens that need it: the counter's grid, the
// kitchen's prep times and modifier names, the stock screen's sale switches. The browser's
// HTTP cache revalidates it with its ETag (crema answers 304 when nothing changed).
import { useEffect, useState } from 'preact/hooks';
import { get } from './api/client';
import type { Menu, Product } from './api/types';

let menu: Menu | null = null;
let loading: Promise<Menu> | null = null;
const listeners = new Set<() => void>();

export function loadMenu(force = false): Promise<Menu> {
  if (!loading || force) {
    loading = get<Menu>('/menu').then((m) => {
      menu = m;
      listeners.forEach((l) => l());
      return m;
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

export function useMenu(): Menu | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    void loadMenu().catch(() => undefined);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return menu;
}

export function productsById(m: Menu | null): Map<string, Product> {
  const out = new Map<string, Product>();
  for (const c of m?.categories ?? []) for (const p of c.items) out.set(p.id, p);
  return out;
}
