// The WebSocket feed (SPEC §7, §15.4): opened with the access token as the `bearer.<token>`
// subprotocol (never in the URL, so never in a log), renewed in place with a `reauth` message
// whenever the session renews its token, and reopened after any drop with backoff. Every
// `hello` (the first connection and each reconnection) asks the screens to resynchronise
// from the REST API, so nothing that happened while the socket was down is missed.
import { useEffect, useState } from 'preact/hooks';
import { onToken, renew, session } from './session';

export interface FeedMessage {
  type: string;
  data: unknown;
  at?: string;
}
export type FeedState = 'connecting' | 'live' | 'offline';

type Handler = (m: FeedMessage) => void;

class Feed {
  private ws: WebSocket | null = null;
  private handlers = new Set<Handler>();
  private resyncers = new Set<() => void>();
  private stateListeners = new Set<() => void>();
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private users = 0;
  private unToken: (() => void) | null = null;
  private pausedUntil = 0;
  state: FeedState = 'offline';

  private setState(s: FeedState) {
    this.state = s;
    this.stateListeners.forEach((l) => l());
  }

  /** Holds the feed open while at least one screen uses it. */
  acquire(): () => void {
    if (this.users++ === 0) {
      this.unToken = onToken((token) => this.reauth(token));
      this.open();
    }
    return () => {
      if (--this.users === 0) this.close();
    };
  }

  private open() {
    clearTimeout(this.timer);
    const s = session();
    if (!s) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.setState('connecting');
    const ws = new WebSocket(`${proto}//${location.host}/ws`, ['bearer.' + s.token]);
    this.ws = ws;
    ws.onmessage = (ev) => {
      let m: FeedMessage;
      try {
        m = JSON.parse(String(ev.data)) as FeedMessage;
      } catch {
        return;
      }
      if (m.type === 'hello') {
        this.retry = 0;
        this.setState('live');
        this.resyncers.forEach((r) => r());
        return;
      }
      this.handlers.forEach((h) => h(m));
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.users === 0) return;
      this.setState('offline');
      // 4001: the token expired or the session ended; renew before reconnecting.
      const needsToken = ev.code === 4001 || (session()?.expiresAt ?? 0) < Date.now() + 5_000;
      const delay = Math.max(Math.min(10_000, 500 * 2 ** this.retry++), this.pausedUntil - Date.now());
      this.timer = setTimeout(async () => {
        if (needsToken && !(await renew())) return;
        this.open();
      }, needsToken ? 0 : delay);
    };
  }

  private reauth(token: string) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ action: 'reauth', token }));
    } else if (!this.ws && this.users > 0) {
      this.open();
    }
  }

  private close() {
    clearTimeout(this.timer);
    this.unToken?.();
    this.unToken = null;
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    this.setState('offline');
  }

  /** Drops the connection as a network failure would, staying away `pauseMs` at least. */
  drop(pauseMs = 0) {
    this.pausedUntil = Date.now() + pauseMs;
    this.ws?.close(4000);
  }

  subscribe(h: Handler): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  onResync(r: () => void): () => void {
    this.resyncers.add(r);
    return () => this.resyncers.delete(r);
  }
  onState(l: () => void): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }
}

export const feed = new Feed();

/**
 * Keeps the feed open while the calling screen is shown: `onMessage` gets every event,
 * `resync` runs on every (re)connection. Returns the connection state.
 */
export function useFeed(onMessage: Handler, resync: () => void): FeedState {
  const [state, setState] = useState<FeedState>(feed.state);
  useEffect(() => {
    const offState = feed.onState(() => setState(feed.state));
    const offMsg = feed.subscribe(onMessage);
    const offSync = feed.onResync(resync);
    const release = feed.acquire();
    if (feed.state === 'live') resync();
    return () => {
      offState();
      offMsg();
      offSync();
      release();
    };
    // The handlers are read through refs by the callers; subscribe once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return state;
}
