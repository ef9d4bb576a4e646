// The owner's dashboard (SPEC §12, §16; managers and admins): today live, sales by day over
// whole weeks ending today, payment methods and order types, top products and staff
// performance, each table downloadable as CSV. Every figure is a report's; nothing is summed
// here except weeks that the weekly report gives one by one.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { downloadCsv, get, query } from '../api/client';
import type { DailySalesReport, OrderPage, StaffPerformanceReport, TopProductsReport, WeeklySalesReport } from '../api/types';
import { day, minutes, money, num, t, tx, useLocale } from '../i18n';
import { type FeedMessage, useFeed } from '../realtime';
import { BarChart, DoughnutChart } from '../ui/Chart';

const weekChoices = [1, 2, 4, 8] as const;

function addDays(ymd: string, n: number): string {
  const [y, m, d] = ymd.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + n));
  return date.toISOString().slice(0, 10);
}

interface RangeData {
  from: string;
  to: string;
  days: { date: string; total_sales: number; order_count: number }[];
  methods: Record<string, number>;
  top: TopProductsReport;
  staff: StaffPerformanceReport;
}

async function countOpenOrders(): Promise<number> {
  let n = 0;
  let cursor: string | null | undefined;
  for (let page = 0; page < 10; page++) {
    const res = await get<OrderPage>('/orders' + query({ status: 'pending,confirmed,preparing,ready', limit: 200, cursor: cursor ?? undefined }));
    n += res.items.length;
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return n;
}

export function Dashboard() {
  useLocale();
  const [today, setToday] = useState<DailySalesReport | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [weeks, setWeeks] = useState<number>(2);
  const [range, setRange] = useState<RangeData | null>(null);
  const [error, setError] = useState('');
  const timer = useRef<ReturnType<typeof setTimeout>>();

  const loadToday = () =>
    Promise.all([get<DailySalesReport>('/reports/sales/daily'), countOpenOrders()]).then(
      ([d, n]) => {
        setToday(d);
        setOpen(n);
        setError('');
        return d;
      },
      (e: unknown) => {
        setError(e instanceof Error ? e.message : String(e));
        return null;
      },
    );

  // Live: any order event refreshes today's figures (a burst of events, one refresh).
  useFeed(
    (m: FeedMessage) => {
      if (!m.type.startsWith('order_')) return;
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void loadToday(), 400);
    },
    () => void loadToday(),
  );

  useEffect(() => {
    if (!today) return;
    const to = today.date;
    const from = addDays(to, -7 * weeks + 1);
    const starts = Array.from({ length: weeks }, (_, i) => addDays(from, 7 * i));
    Promise.all([
      Promise.all(starts.map((s) => get<WeeklySalesReport>('/reports/sales/weekly' + query({ week_start: s })))),
      get<TopProductsReport>('/reports/products/top' + query({ from, to, limit: 10 })),
      get<StaffPerformanceReport>('/reports/performance' + query({ from, to })),
    ]).then(
      ([weekly, top, staff]) => {
        const methods: Record<string, number> = {};
        for (const w of weekly) for (const [k, v] of Object.entries(w.payment_methods)) methods[k] = (methods[k] ?? 0) + v;
        const days = weekly.flatMap((w) => w.days.map((d) => ({ date: d.date ?? '', total_sales: d.total_sales ?? 0, order_count: d.order_count ?? 0 })));
        setRange({ from, to, days, methods, top, staff });
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [today?.date, today?.total_sales, weeks]); // eslint-disable-line react-hooks/exhaustive-deps

  const currency = today?.currency ?? 'USD';
  const fmt = (n: number) => money(n, currency);
  const methodEntries = useMemo(() => Object.entries(range?.methods ?? {}).filter(([, v]) => v > 0), [range]);
  const typeEntries = useMemo(() => Object.entries(today?.by_type ?? {}).filter(([, v]) => v > 0), [today]);

  async function csv(path: string, name: string) {
    try {
      await downloadCsv(path, name);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <section class="dashboard" aria-labelledby="dash-title">
      <div class="screen-head">
        <h1 id="dash-title">{t('dash.title')}</h1>
        <label>
          {t('dash.range')}{' '}
          <select value={weeks} onChange={(e) => setWeeks(Number(e.currentTarget.value))}>
            {weekChoices.map((w) => (
              <option value={w} key={w}>
                {t('dash.weeks', { n: w })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p class="banner error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="today-title">
        <div class="section-head">
          <h2 id="today-title">
            {t('dash.today')} {today && <span class="muted">{day(today.date)}</span>}
          </h2>
          {today && (
            <button type="button" class="small" onClick={() => void csv('/reports/sales/daily' + query({ date: today.date }), `sales-${today.date}.csv`)}>
              {t('dash.csv')}
              <span class="visually-hidden"> — {t('dash.today')}</span>
            </button>
          )}
        </div>
        <dl class="kpis">
          <div>
            <dt>{t('dash.sales')}</dt>
            <dd data-kpi="sales">{today ? fmt(today.total_sales) : '—'}</dd>
          </div>
          <div>
            <dt>{t('dash.orders')}</dt>
            <dd data-kpi="orders">{today ? num(today.order_count) : '—'}</dd>
          </div>
          <div>
            <dt>{t('dash.average')}</dt>
            <dd data-kpi="average">{today ? fmt(today.average_order_value) : '—'}</dd>
          </div>
          <div>
            <dt>{t('dash.open')}</dt>
            <dd data-kpi="open">{open === null ? '—' : num(open)}</dd>
          </div>
        </dl>
      </section>
      {range && (
        <>
          <section class="panel" aria-labelledby="sales-title">
            <div class="section-head">
              <h2 id="sales-title">
                {t('dash.byDay')} <span class="muted">{t('dash.between', { from: day(range.from), to: day(range.to) })}</span>
              </h2>
              <button type="button" class="small" onClick={() => void csv('/reports/sales/weekly' + query({ week_start: range.from }), `sales-week-${range.from}.csv`)}>
                {t('dash.csvWeek')}
              </button>
            </div>
            <BarChart
              labels={range.days.map((d) => day(d.date))}
              values={range.days.map((d) => d.total_sales)}
              label={t('dash.sales')}
              format={fmt}
              summary={t('dash.byDaySummary', {
                total: fmt(range.days.reduce((s, d) => s + d.total_sales, 0)),
                n: range.days.reduce((s, d) => s + d.order_count, 0),
              })}
            />
          </section>
          <div class="two">
            <section class="panel" aria-labelledby="methods-title">
              <h2 id="methods-title">{t('dash.methods')}</h2>
              {methodEntries.length ? (
                <DoughnutChart
                  labels={methodEntries.map(([k]) => tx('method.' + k, k))}
                  values={methodEntries.map(([, v]) => v)}
                  format={fmt}
                  summary={methodEntries.map(([k, v]) => `${tx('method.' + k, k)} ${fmt(v)}`).join(', ')}
                />
              ) : (
                <p class="muted">{t('dash.none')}</p>
              )}
            </section>
            <section class="panel" aria-labelledby="types-title">
              <h2 id="types-title">
                {t('dash.types')} <span class="muted">{t('dash.today')}</span>
              </h2>
              {typeEntries.length ? (
                <DoughnutChart
                  labels={typeEntries.map(([k]) => tx('type.' + k, k))}
                  values={typeEntries.map(([, v]) => v)}
                  format={fmt}
                  summary={typeEntries.map(([k, v]) => `${tx('type.' + k, k)} ${fmt(v)}`).join(', ')}
                />
              ) : (
                <p class="muted">{t('dash.none')}</p>
              )}
            </section>
          </div>
          <div class="two">
            <section class="panel" aria-labelledby="top-title">
              <div class="section-head">
                <h2 id="top-title">{t('dash.top')}</h2>
                <button type="button" class="small" onClick={() => void csv('/reports/products/top' + query({ from: range.from, to: range.to, limit: 100 }), `top-products-${range.from}.csv`)}>
                  {t('dash.csv')}
                  <span class="visually-hidden"> — {t('dash.top')}</span>
                </button>
              </div>
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">{t('dash.product')}</th>
                    <th scope="col" class="num">{t('dash.quantity')}</th>
                    <th scope="col" class="num">{t('dash.revenue')}</th>
                  </tr>
                </thead>
                <tbody>
                  {range.top.items.map((p) => (
                    <tr key={p.product_id}>
                      <th scope="row">{p.name}</th>
                      <td class="num">{num(p.quantity ?? 0)}</td>
                      <td class="num">{fmt(p.revenue ?? 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
            <section class="panel" aria-labelledby="staff-title">
              <div class="section-head">
                <h2 id="staff-title">{t('dash.staff')}</h2>
                <button type="button" class="small" onClick={() => void csv('/reports/performance' + query({ from: range.from, to: range.to }), `staff-${range.from}.csv`)}>
                  {t('dash.csv')}
                  <span class="visually-hidden"> — {t('dash.staff')}</span>
                </button>
              </div>
              <table class="data">
                <thead>
                  <tr>
                    <th scope="col">{t('dash.person')}</th>
                    <th scope="col" class="num">{t('dash.handled')}</th>
                    <th scope="col" class="num">{t('dash.sales')}</th>
                    <th scope="col" class="num">{t('dash.prep')}</th>
                  </tr>
                </thead>
                <tbody>
                  {range.staff.staff.map((s) => (
                    <tr key={s.user_id}>
                      <th scope="row">{s.name}</th>
                      <td class="num">{num(s.orders_handled ?? 0)}</td>
                      <td class="num">{fmt(s.total_sales ?? 0)}</td>
                      <td class="num">{s.avg_prep_minutes == null ? '—' : minutes(s.avg_prep_minutes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
        </>
      )}
    </section>
  );
}
