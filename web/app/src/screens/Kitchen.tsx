// The kitchen board (SPEC §16): the open orders in four columns by status, fed by the
// WebSocket and resynchronised from GET /orders on every (re)connection. A card shows what
// to make; its age turns amber past the order's prep time and red past twice that; one tap
// moves it to the next status.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, get, put, query } from '../api/client';
import type { Order, OrderPage, OrderStatus, Product } from '../api/types';
import { chime, unlockAudio } from '../chime';
import { minutes, t, time, tx } from '../i18n';
import { loadMenu, productsById, useMenu } from '../menu';
import { type FeedMessage, useFeed } from '../realtime';

const columns = ['pending', 'confirmed', 'preparing', 'ready'] as const;
type Column = (typeof columns)[number];
const open = new Set<string>(columns);

function nextStatus(o: Order): OrderStatus | null {
  switch (o.status) {
    case 'pending':
      return 'confirmed';
    case 'confirmed':
      return 'preparing';
    case 'preparing':
      return 'ready';
    case 'ready':
      // A delivery leaves with its driver (SPEC §8); everything else is handed over here.
      return o.type === 'online' && o.is_pickup === false ? null : 'completed';
    default:
      return null;
  }
}

/** The longest prep time among the order's items (SPEC §6), from the menu. */
function prepMinutes(o: Order, products: Map<string, Product>): number {
  let longest = 0;
  for (const line of o.items) {
    const p = line.product_id ? products.get(line.product_id) : undefined;
    if (p && p.prep_minutes > longest) longest = p.prep_minutes;
  }
  return longest || 5;
}

async function fetchOpenOrders(): Promise<Order[]> {
  const out: Order[] = [];
  let cursor: string | null | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await get<OrderPage>(
      '/orders' + query({ status: columns.join(','), limit: 200, cursor: cursor ?? undefined }),
    );
    out.push(...res.items);
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return out;
}

const soundKey = 'crema.kitchen.sound';

export function Kitchen() {
  const menu = useMenu();
  const products = useMemo(() => productsById(menu), [menu]);
  const [orders, setOrders] = useState<Map<string, Order>>(new Map());
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [now, setNow] = useState(Date.now());
  const [error, setError] = useState('');
  const [sound, setSound] = useState(() => localStorage.getItem(soundKey) === '1');
  const soundRef = useRef(sound);
  soundRef.current = sound;

  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(id);
  }, []);

  const upsert = (o: Order) =>
    setOrders((prev) => {
      const old = prev.get(o.id);
      if (old && old.version > o.version) return prev; // an older event arriving late
      const next = new Map(prev);
      if (open.has(o.status)) next.set(o.id, o);
      else next.delete(o.id);
      return next;
    });

  const onMessage = (m: FeedMessage) => {
    if (m.type === 'menu_updated') {
      void loadMenu(true).catch(() => undefined);
      return;
    }
    if (!m.type.startsWith('order_')) return;
    const o = m.data as Order;
    if (!o || typeof o !== 'object' || !('id' in o)) return;
    upsert(o);
    if (m.type === 'order_created' || m.type === 'order_due') {
      setFresh((f) => new Set(f).add(o.id));
      setTimeout(
        () =>
          setFresh((f) => {
            const n = new Set(f);
            n.delete(o.id);
            return n;
          }),
        8_000,
      );
      if (soundRef.current) chime();
    }
  };

  const resync = () => {
    fetchOpenOrders()
      .then((list) => {
        setOrders(new Map(list.map((o) => [o.id, o])));
        setError('');
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };

  const state = useFeed(onMessage, resync);

  useEffect(() => {
    if (sound) unlockAudio();
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  async function advance(o: Order) {
    const to = nextStatus(o);
    if (!to) return;
    try {
      const updated = await put<Order>(`/orders/${o.id}/status`, { status: to, version: o.version });
      upsert(updated);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        // Someone else moved it first: show where it is now.
        get<Order>(`/orders/${o.id}`).then(upsert, () => undefined);
      }
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const byColumn = useMemo(() => {
    const out: Record<Column, Order[]> = { pending: [], confirmed: [], preparing: [], ready: [] };
    for (const o of orders.values()) if (open.has(o.status)) out[o.status as Column].push(o);
    for (const c of columns) out[c].sort((a, b) => a.created_at.localeCompare(b.created_at));
    return out;
  }, [orders]);

  return (
    <section class="kitchen" aria-labelledby="kitchen-title">
      <div class="screen-head">
        <h1 id="kitchen-title">{t('kitchen.title')}</h1>
        <div class="actions">
          <button
            type="button"
            aria-pressed={sound}
            onClick={() => {
              const on = !sound;
              if (on) unlockAudio();
              localStorage.setItem(soundKey, on ? '1' : '0');
              setSound(on);
              if (on) chime();
            }}
          >
            {sound ? t('kitchen.soundOn') : t('kitchen.soundOff')}
          </button>
        </div>
      </div>
      {state === 'offline' && (
        <p class="banner warn" role="status">
          {t('feed.reconnecting')}
        </p>
      )}
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      <div class="board">
        {columns.map((c) => (
          <section class={'column col-' + c} aria-labelledby={'col-' + c} key={c} data-column={c}>
            <h2 id={'col-' + c}>
              {tx('status.' + c, c)} <span class="count">{byColumn[c].length}</span>
            </h2>
            <ol class="cards">
              {byColumn[c].map((o) => (
                <OrderCard
                  key={o.id}
                  order={o}
                  products={products}
                  now={now}
                  fresh={fresh.has(o.id)}
                  onAdvance={() => void advance(o)}
                />
              ))}
            </ol>
          </section>
        ))}
      </div>
    </section>
  );
}

function OrderCard(props: {
  order: Order;
  products: Map<string, Product>;
  now: number;
  fresh: boolean;
  onAdvance: () => void;
}) {
  const { order: o, products, now } = props;
  const prep = prepMinutes(o, products);
  const age = Math.max(0, (now - Date.parse(o.created_at)) / 60_000);
  const level = age > 2 * prep ? 'late' : age > prep ? 'due' : 'ok';
  const next = nextStatus(o);
  const modifierName = (productId: string | undefined, code: string) =>
    (productId && products.get(productId)?.modifiers.find((m) => m.code === code)?.name) || code;
  return (
    <li class={`order-card age-${level}${props.fresh ? ' fresh' : ''}`} data-order={o.order_number}>
      <header>
        <strong class="number">{o.order_number.split('-').pop()}</strong>
        <span class="type">{tx('type.' + o.type, o.type)}</span>
        {o.table_number && <span class="table">{t('kitchen.table', { table: o.table_number })}</span>}
        <span class={'age age-' + level} title={t('kitchen.prep', { n: prep })}>
          <span class="visually-hidden">{t('kitchen.age')} </span>
          {minutes(age)}
        </span>
      </header>
      <p class="meta">
        <span class="full-number">{o.order_number}</span> · {time(o.created_at)}
        {o.customer_info && typeof o.customer_info === 'object' && 'name' in o.customer_info && o.customer_info.name
          ? ` · ${String(o.customer_info.name)}`
          : ''}
        {o.payment_status === 'paid' ? ` · ${t('kitchen.paid')}` : ''}
      </p>
      <ul class="lines">
        {o.items.map((line, i) => (
          <li key={line.id ?? i}>
            <span class="qty">{t('kitchen.qty', { n: line.quantity ?? 1 })}</span> {line.name}
            {(line.modifiers?.length ?? 0) > 0 && (
              <span class="mods"> — {line.modifiers!.map((m) => modifierName(line.product_id, m)).join(', ')}</span>
            )}
            {line.options && Object.keys(line.options).length > 0 && (
              <span class="opts">
                {' '}
                ({Object.entries(line.options)
                  .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
                  .join('; ')}
                )
              </span>
            )}
            {line.special_instructions && <em class="note"> “{line.special_instructions}”</em>}
          </li>
        ))}
      </ul>
      {o.notes && <p class="order-note">{o.notes}</p>}
      {next && (
        <button type="button" class="advance primary" onClick={props.onAdvance}>
          {tx('kitchen.to.' + next, next)}
          <span class="visually-hidden"> — {o.order_number}</span>
        </button>
      )}
    </li>
  );
}
