// Charts drawn by Chart.js (only the controllers used are registered, so the rest is left
// out of the bundle). Each canvas has a text alternative; right-to-left locales mirror the
// axis and the legend.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import { locale } from '../i18n';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.color = '#3b2f2a';

export const palette = ['#8a4b2a', '#2f6f6a', '#c28a2c', '#5a5f9e', '#a33b5b', '#4f7a32', '#6b6b6b'];

export function BarChart(props: { labels: string[]; values: number[]; label: string; summary: string; format: (n: number) => string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const loc = locale();
  useEffect(() => {
    const rtl = loc === 'ar';
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: { labels: props.labels, datasets: [{ label: props.label, data: props.values, backgroundColor: palette[0], borderRadius: 4 }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: loc,
        plugins: {
          legend: { display: false, rtl },
          tooltip: { rtl, callbacks: { label: (c) => props.format(c.parsed.y ?? 0) } },
        },
        scales: {
          x: { reverse: rtl, grid: { display: false } },
          y: { position: rtl ? 'right' : 'left', beginAtZero: true, ticks: { callback: (v) => props.format(Number(v)) } },
        },
      },
    };
    const chart = new Chart(ref.current!, config);
    return () => chart.destroy();
  }, [props.labels.join(), props.values.join(), loc]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div class="chart-box">
      <canvas ref={ref} role="img" aria-label={props.summary} />
    </div>
  );
}

export function DoughnutChart(props: { labels: string[]; values: number[]; summary: string; format: (n: number) => string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const loc = locale();
  useEffect(() => {
    const rtl = loc === 'ar';
    const config: ChartConfiguration<'doughnut'> = {
      type: 'doughnut',
      data: { labels: props.labels, datasets: [{ data: props.values, backgroundColor: palette, borderWidth: 1 }] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: loc,
        plugins: {
          legend: { position: 'bottom', rtl, textDirection: rtl ? 'rtl' : 'ltr' },
          tooltip: { rtl, callbacks: { label: (c) => `${c.label}: ${props.format(Number(c.parsed))}` } },
        },
      },
    };
    const chart = new Chart(ref.current!, config);
    return () => chart.destroy();
  }, [props.labels.join(), props.values.join(), loc]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div class="chart-box small">
      <canvas ref={ref} role="img" aria-label={props.summary} />
    </div>
  );
}
