// The receipt printed at the counter, from what the order holds (its lines, totals and
// payment). Printing shows only this block, sized for an 80 mm till roll (styles.css).
// SPEC §15.2's server-made receipt (GET /orders/{id}/receipt, with the shop's details from
// its settings and a receipt number) replaces it once the API has it.
import type { Order } from '../api/types';
import { dateTime, money, t, tx } from '../i18n';
import { productsById, useMenu } from '../menu';

export function Receipt(props: { order: Order; tendered?: number }) {
  const o = props.order;
  const products = productsById(useMenu());
  const m = (x: number | undefined) => money(x ?? 0, o.currency);
  return (
    <article class="receipt" aria-label={t('receipt.title')}>
      <header>
        <p class="shop">Crema</p>
        <p>
          {t('receipt.order')} {o.order_number}
        </p>
        <p>{dateTime(o.created_at)}</p>
        <p>
          {tx('type.' + o.type, o.type)}
          {o.table_number ? ` · ${t('kitchen.table', { table: o.table_number })}` : ''}
        </p>
      </header>
      <table>
        <tbody>
          {o.items.map((l, i) => (
            <tr key={l.id ?? i}>
              <td>
                {l.quantity} × {l.name}
                {(l.modifiers?.length ?? 0) > 0 && (
                  <div class="mods">
                    {l.modifiers!
                      .map((c) => (l.product_id && products.get(l.product_id)?.modifiers.find((x) => x.code === c)?.name) || c)
                      .join(', ')}
                  </div>
                )}
              </td>
              <td class="amount">{m(l.line_total)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('receipt.subtotal')}</th>
            <td class="amount">{m(o.subtotal)}</td>
          </tr>
          {(o.adjustment_amount ?? 0) !== 0 && (
            <tr>
              <th scope="row">{t('receipt.adjustment')}</th>
              <td class="amount">{m(o.adjustment_amount)}</td>
            </tr>
          )}
          <tr>
            <th scope="row">{t('receipt.tax')}</th>
            <td class="amount">{m(o.tax_amount)}</td>
          </tr>
          <tr class="grand">
            <th scope="row">{t('receipt.total')}</th>
            <td class="amount">{m(o.total_amount)}</td>
          </tr>
          <tr>
            <th scope="row">{t('receipt.paidBy')}</th>
            <td class="amount">{tx('method.' + (o.payment_method ?? ''), o.payment_method ?? '—')}</td>
          </tr>
          {props.tendered !== undefined && (
            <>
              <tr>
                <th scope="row">{t('counter.tendered')}</th>
                <td class="amount">{m(props.tendered)}</td>
              </tr>
              <tr>
                <th scope="row">{t('counter.changeDue')}</th>
                <td class="amount">{m(Math.max(0, props.tendered - o.total_amount))}</td>
              </tr>
            </>
          )}
        </tfoot>
      </table>
      <p class="thanks">{t('receipt.thanks')}</p>
    </article>
  );
}
