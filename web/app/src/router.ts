// The app's screens are paths under /app (history API); crema answers any of them with
// index.html, so a reload or a bookmark opens the same screen.
import { useEffect, useState } from 'preact/hooks';

const prefix = '/app';
const listeners = new Set<() => void>();

function currentPath(): string {
  const p = location.pathname.startsWith(prefix) ? location.pathname.slice(prefix.length) : '/';
  return p === '' ? '/' : p;
}

export function navigate(path: string, replace = false) {
  const url = prefix + (path === '/' ? '' : path);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

export function useRoute(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const l = () => setPath(currentPath());
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return path;
}

export function href(path: string): string {
  return prefix + (path === '/' ? '' : path);
}
