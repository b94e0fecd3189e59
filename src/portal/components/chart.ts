import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

const palette = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626', '#4b5563', '#ca8a04'];

/**
 * A time series line chart (uPlot). Its label says what it shows; the numbers themselves are
 * in the tables beside it, for screen readers and for copying.
 */
export function TimeChart({ label, buckets, series, format = (v) => String(v), height = 220 }: { label: string; buckets: string[]; series: ChartSeries[]; format?: (v: number) => string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || !buckets.length) return;
    const data: uPlot.AlignedData = [buckets.map((b) => Date.parse(b) / 1000), ...series.map((s) => s.values)];
    const plot = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height,
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: buckets.length < 40 }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)) }))],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map(format), size: 70 }],
        scales: { x: { time: true } },
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      el,
    );
    return () => plot.destroy();
  }, [buckets, series, height]);
  if (!buckets.length) return html`<p class="muted">No data in this range.</p>`;
  return html`<figure class="chart" role="img" aria-label=${label}><div ref=${box}></div></figure>`;
}
