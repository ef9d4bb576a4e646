// Stock (SPEC §5, §16): every counted item, low ones first; a quick receive, adjustment or
// waste entry with its reason (the inventory log's kinds); the products' sale switches.
import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { ApiError, get, post, put, query } from '../api/client';
import type { InventoryItem, InventoryItemPage, Product } from '../api/types';
import { num, t, tx } from '../i18n';
import { loadMenu, useMenu } from '../menu';
import { type FeedMessage, useFeed } from '../realtime';

type Kind = 'receive' | 'adjust' | 'waste';

async function fetchItems(): Promise<InventoryItem[]> {
  const out: InventoryItem[] = [];
  let cursor: string | null | undefined;
  for (let page = 0; page < 20; page++) {
    const res = await get<InventoryItemPage>('/inventory' + query({ limit: 200, cursor: cursor ?? undefined }));
    out.push(...res.items);
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return out;
}

export function Stock() {
  const [items, setItems] = useState<InventoryItem[] | null>(null);
  const [error, setError] = useState('');
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const menu = useMenu();

  const refresh = () =>
    fetchItems().then(
      (list) => {
        setItems(list);
        setError('');
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );

  useFeed(
    (m: FeedMessage) => {
      if (m.type === 'inventory_low' || m.type === 'menu_updated' || m.type === 'order_created' || m.type === 'order_updated') {
        if (m.type === 'menu_updated') void loadMenu(true).catch(() => undefined);
        void refresh();
      }
    },
    () => void refresh(),
  );

  const sorted = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (items ?? [])
      .filter((i) => !f || i.name.toLowerCase().includes(f))
      .sort((a, b) => Number(b.is_low) - Number(a.is_low) || a.name.localeCompare(b.name));
  }, [items, filter]);
  const lowCount = (items ?? []).filter((i) => i.is_low).length;
  const products = (menu?.categories ?? []).flatMap((c) => c.items);

  return (
    <section class="stock" aria-labelledby="stock-title">
      <div class="screen-head">
        <h1 id="stock-title">{t('stock.title')}</h1>
        <label class="search">
          <span class="visually-hidden">{t('stock.search')}</span>
          <input type="search" placeholder={t('stock.search')} aria-label={t('stock.search')} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
      </div>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" role="status">
        {items ? t('stock.summary', { n: items.length, low: lowCount }) : t('common.loading')}
      </p>
      <div class="table-wrap">
        <table class="data">
          <caption class="visually-hidden">{t('stock.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('stock.item')}</th>
              <th scope="col" class="num">{t('stock.onHand')}</th>
              <th scope="col" class="num">{t('stock.reserved')}</th>
              <th scope="col" class="num">{t('stock.available')}</th>
              <th scope="col" class="num">{t('stock.threshold')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('stock.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((i) => (
              <Fragment key={i.id}>
                <tr class={i.is_low ? 'low' : ''} data-item={i.name}>
                  <th scope="row">
                    {i.name}
                    {i.is_low && <span class="badge warn">{t('stock.low')}</span>}
                    <span class="muted small"> {tx('kind.' + i.kind, i.kind)}</span>
                  </th>
                  <td class="num">
                    <bdi>
                      {num(i.on_hand)} {i.unit}
                    </bdi>
                  </td>
                  <td class="num">{num(i.reserved)}</td>
                  <td class="num">{num(i.available)}</td>
                  <td class="num">{num(i.low_stock_threshold)}</td>
                  <td>
                    <button
                      type="button"
                      aria-expanded={editing === i.id}
                      aria-controls={'adj-' + i.id}
                      onClick={() => setEditing(editing === i.id ? null : i.id)}
                    >
                      {t('stock.change')}
                      <span class="visually-hidden"> — {i.name}</span>
                    </button>
                  </td>
                </tr>
                {editing === i.id && (
                  <tr class="adjust-row">
                    <td colSpan={6} id={'adj-' + i.id}>
                      <AdjustForm
                        item={i}
                        onDone={(updated) => {
                          setEditing(null);
                          if (updated) setItems((list) => (list ?? []).map((x) => (x.id === updated.id ? updated : x)));
                          void refresh();
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      <h2>{t('stock.products')}</h2>
      <p class="muted">{t('stock.productsHelp')}</p>
      <ul class="switches">
        {products.map((p) => (
          <ProductSwitch key={p.id} product={p} />
        ))}
      </ul>
    </section>
  );
}

function AdjustForm(props: { item: InventoryItem; onDone: (updated?: InventoryItem) => void }) {
  const i = props.item;
  const [kind, setKind] = useState<Kind>('receive');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    const value = Number(amount.replace(',', '.'));
    if (!Number.isFinite(value) || value === 0) return setError(t('stock.badAmount'));
    if (!reason.trim()) return setError(t('stock.needReason'));
    // Receiving adds and waste removes; an adjustment is signed as typed (a count that was off).
    const delta = kind === 'receive' ? Math.abs(value) : kind === 'waste' ? -Math.abs(value) : value;
    setBusy(true);
    try {
      const updated = await post<InventoryItem>('/inventory/adjustment', {
        inventory_item_id: i.id,
        delta,
        reason: reason.trim(),
        kind,
      });
      props.onDone(updated && typeof updated === 'object' && 'id' in updated ? updated : undefined);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <form class="adjust" onSubmit={submit} aria-label={t('stock.changeOf', { name: i.name })}>
      <fieldset>
        <legend>{t('stock.kind')}</legend>
        {(['receive', 'adjust', 'waste'] as const).map((k) => (
          <label class="radio" key={k}>
            <input type="radio" name={'kind-' + i.id} value={k} checked={kind === k} onChange={() => setKind(k)} />
            {t(`stock.kind.${k}`)}
          </label>
        ))}
      </fieldset>
      <label>
        {kind === 'adjust' ? t('stock.delta') : t('stock.amount')} ({i.unit})
        <input inputMode="decimal" required value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
      </label>
      <label>
        {t('stock.reason')}
        <input required maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {t('stock.save')}
      </button>
      <button type="button" onClick={() => props.onDone()}>
        {t('common.cancel')}
      </button>
      <p class="error" role="alert">
        {error}
      </p>
    </form>
  );
}

function ProductSwitch(props: { product: Product }) {
  const p = props.product;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const soldOut = p.track_stock && (p.stock ?? 0) < 1;
  async function toggle() {
    setBusy(true);
    setError('');
    try {
      await put<Product>(`/menu/items/${p.id}/stock`, { in_stock: !p.in_stock });
      await loadMenu(true);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class="switch-row" data-product={p.name}>
      <span class="name" id={'sw-' + p.id}>
        {p.name}
        {soldOut && <span class="badge warn">{t('stock.soldOut')}</span>}
      </span>
      <button
        type="button"
        role="switch"
        aria-checked={p.in_stock}
        aria-labelledby={'sw-' + p.id}
        disabled={busy}
        class={'toggle' + (p.in_stock ? ' on' : '')}
        onClick={() => void toggle()}
      >
        <span>{p.in_stock ? t('stock.onSale') : t('stock.offSale')}</span>
      </button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </li>
  );
}
