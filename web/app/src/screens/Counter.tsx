// The counter (SPEC §16): the menu as a grid by category, a ticket with modifiers and
// quantities for a table or a named customer, then payment in cash (with the change due) or
// by card, and the receipt to print. Prices and totals are the server's: the ticket shows an
// estimate, the order answered by POST /orders is what is charged.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, call, idempotencyKey, post } from '../api/client';
import type { CheckoutResult, Order, OrderInput, Product } from '../api/types';
import { money, t, tx } from '../i18n';
import { useMenu } from '../menu';
import { Receipt } from '../ui/Receipt';

interface Line {
  key: string;
  product: Product;
  modifiers: string[];
  quantity: number;
  note: string;
}

const cents = (x: number) => Math.round(x * 100);

function lineCents(l: Line): number {
  const deltas = l.modifiers.reduce(
    (sum, code) => sum + cents(l.product.modifiers.find((m) => m.code === code)?.price_delta ?? 0),
    0,
  );
  return (cents(l.product.price) + deltas) * l.quantity;
}

type Stage =
  | { kind: 'ticket' }
  | { kind: 'pay'; order: Order }
  | { kind: 'done'; order: Order; tendered?: number };

export function Counter() {
  const menu = useMenu();
  const [category, setCategory] = useState<string | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const [type, setType] = useState<'dine-in' | 'takeaway'>('takeaway');
  const [table, setTable] = useState('');
  const [customer, setCustomer] = useState('');
  const [notes, setNotes] = useState('');
  const [stage, setStage] = useState<Stage>({ kind: 'ticket' });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<Product | null>(null);
  const keyRef = useRef<string | null>(null);

  const categories = menu?.categories ?? [];
  const current = categories.find((c) => c.name === category) ?? categories[0];
  const currency = menu?.currency ?? categories[0]?.items[0]?.currency ?? 'USD';
  const estimate = useMemo(() => lines.reduce((s, l) => s + lineCents(l), 0) / 100, [lines]);

  // A changed ticket is a new order: a new idempotency key.
  useEffect(() => {
    keyRef.current = null;
  }, [lines, type, table, customer, notes]);

  function add(product: Product, modifiers: string[] = [], quantity = 1, note = '') {
    setLines((ls) => {
      const same = ls.find(
        (l) => l.product.id === product.id && l.note === note && l.modifiers.join() === modifiers.join(),
      );
      if (same) return ls.map((l) => (l === same ? { ...l, quantity: Math.min(100, l.quantity + quantity) } : l));
      return [...ls, { key: crypto.randomUUID(), product, modifiers, quantity, note }];
    });
  }

  function setQty(l: Line, q: number) {
    setLines((ls) => (q <= 0 ? ls.filter((x) => x !== l) : ls.map((x) => (x === l ? { ...x, quantity: Math.min(100, q) } : x))));
  }

  async function charge(method: 'cash' | 'card') {
    setBusy(true);
    setError('');
    keyRef.current ??= idempotencyKey();
    const body: OrderInput = {
      type,
      items: lines.map((l) => ({
        product_id: l.product.id,
        quantity: l.quantity,
        modifiers: l.modifiers,
        special_instructions: l.note || undefined,
      })),
      payment_method: method,
      notes: notes.trim() || undefined,
      table_number: type === 'dine-in' && table.trim() ? table.trim() : undefined,
      customer_info: customer.trim() ? { name: customer.trim() } : undefined,
    };
    try {
      const order = await post<Order>('/orders', body, { 'Idempotency-Key': keyRef.current });
      setStage({ kind: 'pay', order });
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  }

  function reset() {
    setLines([]);
    setTable('');
    setCustomer('');
    setNotes('');
    setStage({ kind: 'ticket' });
    setError('');
  }

  if (stage.kind === 'pay')
    return (
      <Payment
        order={stage.order}
        onPaid={(order, tendered) => setStage({ kind: 'done', order, tendered })}
        onCancelled={() => setStage({ kind: 'ticket' })}
      />
    );
  if (stage.kind === 'done')
    return (
      <section class="counter-done" aria-labelledby="done-title">
        <div class="screen-head no-print">
          <h1 id="done-title">{t('counter.paid', { number: stage.order.order_number })}</h1>
          <div class="actions">
            <button type="button" onClick={() => window.print()}>
              {t('counter.print')}
            </button>
            <button type="button" class="primary" onClick={reset}>
              {t('counter.newOrder')}
            </button>
          </div>
        </div>
        {stage.tendered !== undefined && (
          <p class="change no-print" role="status">
            {t('counter.changeDue')}{' '}
            <strong>{money(Math.max(0, stage.tendered - stage.order.total_amount), stage.order.currency)}</strong>
          </p>
        )}
        <Receipt order={stage.order} tendered={stage.tendered} />
      </section>
    );

  return (
    <section class="counter" aria-labelledby="counter-title">
      <h1 id="counter-title" class="visually-hidden">
        {t('counter.title')}
      </h1>
      <div class="menu-pane">
        <div class="tabs" role="group" aria-label={t('counter.categories')}>
          {categories.map((c) => (
            <button
              type="button"
              key={c.name}
              aria-pressed={c === current}
              onClick={() => setCategory(c.name)}
            >
              {c.name}
            </button>
          ))}
        </div>
        {!menu && <p class="muted">{t('common.loading')}</p>}
        <ul class="grid" aria-label={current?.name}>
          {current?.items.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                class="tile"
                disabled={!p.in_stock}
                onClick={() => (p.modifiers.length ? setEditing(p) : add(p))}
              >
                <span class="name">{p.name}</span>
                <span class="price">{money(p.price, p.currency)}</span>
                {!p.in_stock && <span class="soldout">{t('counter.soldOut')}</span>}
              </button>
            </li>
          ))}
        </ul>
      </div>
      <aside class="ticket" aria-labelledby="ticket-title">
        <h2 id="ticket-title">{t('counter.ticket')}</h2>
        {lines.length === 0 && <p class="muted">{t('counter.empty')}</p>}
        <ul class="ticket-lines">
          {lines.map((l) => (
            <li key={l.key}>
              <div class="line-main">
                <span class="line-name">{l.product.name}</span>
                <span class="line-total">{money(lineCents(l) / 100, currency)}</span>
              </div>
              {(l.modifiers.length > 0 || l.note) && (
                <div class="line-sub">
                  {l.modifiers.map((c) => l.product.modifiers.find((m) => m.code === c)?.name ?? c).join(', ')}
                  {l.note && ` “${l.note}”`}
                </div>
              )}
              <div class="stepper" role="group" aria-label={t('counter.qtyOf', { name: l.product.name })}>
                <button type="button" aria-label={t('counter.less', { name: l.product.name })} onClick={() => setQty(l, l.quantity - 1)}>
                  −
                </button>
                <output aria-live="polite">{l.quantity}</output>
                <button type="button" aria-label={t('counter.more', { name: l.product.name })} onClick={() => setQty(l, l.quantity + 1)}>
                  +
                </button>
              </div>
            </li>
          ))}
        </ul>
        <fieldset class="order-type">
          <legend>{t('counter.type')}</legend>
          {(['takeaway', 'dine-in'] as const).map((ty) => (
            <label key={ty} class="radio">
              <input type="radio" name="order-type" value={ty} checked={type === ty} onChange={() => setType(ty)} />
              {tx('type.' + ty, ty)}
            </label>
          ))}
        </fieldset>
        {type === 'dine-in' && (
          <label>
            {t('counter.table')}
            <input value={table} inputMode="numeric" maxLength={20} onInput={(e) => setTable(e.currentTarget.value)} />
          </label>
        )}
        <label>
          {t('counter.customer')}
          <input value={customer} maxLength={100} autoComplete="off" onInput={(e) => setCustomer(e.currentTarget.value)} />
        </label>
        <label>
          {t('counter.notes')}
          <input value={notes} maxLength={1000} onInput={(e) => setNotes(e.currentTarget.value)} />
        </label>
        <p class="estimate">
          <span>{t('counter.estimate')}</span> <strong>{money(estimate, currency)}</strong>
        </p>
        <p class="error" role="alert">
          {error}
        </p>
        <div class="pay-buttons">
          <button type="button" class="primary big" disabled={busy || lines.length === 0} onClick={() => void charge('cash')}>
            {t('counter.cash')}
          </button>
          <button type="button" class="primary big" disabled={busy || lines.length === 0} onClick={() => void charge('card')}>
            {t('counter.card')}
          </button>
        </div>
      </aside>
      {editing && (
        <LineEditor
          product={editing}
          onClose={() => setEditing(null)}
          onAdd={(mods, q, note) => {
            add(editing, mods, q, note);
            setEditing(null);
          }}
        />
      )}
    </section>
  );
}

function describe(e: unknown): string {
  if (e instanceof ApiError) {
    const details = e.details.map((d) => `${d.field}: ${d.issue}`).join('; ');
    return details ? `${e.message} (${details})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

function LineEditor(props: { product: Product; onClose: () => void; onAdd: (mods: string[], q: number, note: string) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [mods, setMods] = useState<string[]>([]);
  const [qty, setQty] = useState(1);
  const [note, setNote] = useState('');
  const p = props.product;
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} class="card line-editor" aria-labelledby="editor-title" onClose={props.onClose}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          props.onAdd(mods, qty, note.trim());
        }}
      >
        <h2 id="editor-title">{p.name}</h2>
        <fieldset>
          <legend>{t('counter.modifiers')}</legend>
          {p.modifiers.map((m) => (
            <label key={m.code} class="check">
              <input
                type="checkbox"
                checked={mods.includes(m.code)}
                onChange={(e) =>
                  setMods((ms) =>
                    e.currentTarget.checked ? [...ms, m.code] : ms.filter((c) => c !== m.code),
                  )
                }
              />
              <span>{m.name}</span>
              {m.price_delta ? <span class="delta">{money(m.price_delta, p.currency, true)}</span> : null}
            </label>
          ))}
        </fieldset>
        <label>
          {t('counter.quantity')}
          <input type="number" min={1} max={100} value={qty} onInput={(e) => setQty(Math.max(1, Math.min(100, Number(e.currentTarget.value) || 1)))} />
        </label>
        <label>
          {t('counter.lineNote')}
          <input value={note} maxLength={200} onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="button" onClick={() => ref.current?.close()}>
            {t('common.cancel')}
          </button>
          <button type="submit" class="primary">
            {t('counter.add')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function Payment(props: { order: Order; onPaid: (o: Order, tendered?: number) => void; onCancelled: () => void }) {
  const o = props.order;
  const method = o.payment_method === 'card' ? 'card' : 'cash';
  const [tendered, setTendered] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const keyRef = useRef(idempotencyKey());
  const given = Number(tendered.replace(',', '.'));
  const enough = method === 'card' || (Number.isFinite(given) && cents(given) >= cents(o.total_amount));
  const change = enough && method === 'cash' ? (cents(given) - cents(o.total_amount)) / 100 : 0;
  const suggestions = useMemo(() => {
    const total = o.total_amount;
    const set = new Set<number>([total, Math.ceil(total / 5) * 5, Math.ceil(total / 10) * 10, Math.ceil(total / 20) * 20, 50]);
    return [...set].filter((v) => v >= total).sort((a, b) => a - b).slice(0, 4);
  }, [o.total_amount]);

  async function pay() {
    setBusy(true);
    setError('');
    try {
      await post<CheckoutResult>(
        '/payments/checkout',
        { order_id: o.id, payment_method: method, payment_details: method === 'cash' ? { tendered: given } : {} },
        { 'Idempotency-Key': keyRef.current },
      );
      const paid = await call<Order>('GET', `/orders/${o.id}`);
      props.onPaid(paid, method === 'cash' ? given : undefined);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  }

  async function cancel() {
    setBusy(true);
    try {
      await call<Order>('DELETE', `/orders/${o.id}?reason=${encodeURIComponent('cancelled at the counter')}`);
      props.onCancelled();
    } catch (e) {
      setError(describe(e));
      setBusy(false);
    }
  }

  return (
    <section class="payment card" aria-labelledby="pay-title">
      <h1 id="pay-title">{t('counter.payTitle', { number: o.order_number })}</h1>
      <p class="total">
        {t('counter.total')} <strong data-total>{money(o.total_amount, o.currency)}</strong>
      </p>
      {method === 'cash' ? (
        <>
          <label>
            {t('counter.tendered')}
            <input inputMode="decimal" autoFocus value={tendered} onInput={(e) => setTendered(e.currentTarget.value)} />
          </label>
          <div class="quick" role="group" aria-label={t('counter.quick')}>
            {suggestions.map((v) => (
              <button type="button" key={v} onClick={() => setTendered(String(v))}>
                {money(v, o.currency)}
              </button>
            ))}
          </div>
          <p class="change" role="status">
            {t('counter.changeDue')} <strong>{enough ? money(change, o.currency) : '—'}</strong>
          </p>
        </>
      ) : (
        <p>{t('counter.cardHelp')}</p>
      )}
      <p class="error" role="alert">
        {error}
      </p>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => void cancel()}>
          {t('counter.cancelOrder')}
        </button>
        <button type="button" class="primary big" disabled={busy || !enough} onClick={() => void pay()}>
          {method === 'cash' ? t('counter.takeCash') : t('counter.cardDone')}
        </button>
      </div>
    </section>
  );
}
