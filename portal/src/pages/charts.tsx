// Small hand-written charts for the metrics pages: horizontal bars (HTML, real text), a grouped bar
// chart over time and month sparkbars (SVG). No chart library: a dozen to three dozen points with
// two series do not need one, and the numbers are always also given as text or a table.
import { useEffect, useRef, useState } from 'preact/hooks';
import { fmtCount, fmtPercent, labelEvery, niceTicks } from '../metrics';
import type { Bar, TrendPoint } from '../metrics';
import './charts.css';

/** Horizontal bars with their counts and shares: the funnel, decline reasons. */
export function HBars({ bars, label, tone = 'accent', max }: { bars: Bar[]; label: string; tone?: 'accent' | 'bad'; max?: number }) {
  const top = max ?? Math.max(1, ...bars.map((b) => b.n));
  return (
    <ul class={`hbars hbars-${tone}`} aria-label={label}>
      {bars.map((b) => (
        <li key={b.key} class="hbar">
          <span class="hbar-label">{b.label}</span>
          <span class="hbar-track" aria-hidden="true">
            <span class="hbar-fill" style={{ width: `${top > 0 ? Math.max(b.n > 0 ? 1.5 : 0, (b.n / top) * 100) : 0}%` }} />
          </span>
          <span class="hbar-value">
            <strong>{fmtCount(b.n)}</strong>
            {b.share != null && <span class="hbar-share"> ({fmtPercent(b.share)})</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}

const H = 220;
const PAD = { top: 12, right: 8, bottom: 28, left: 36 };

/** The width of an element, kept up to date (so that the chart's text keeps its size on a phone). */
function useWidth(fallback: number) {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => el.clientWidth > 0 && setWidth(Math.round(el.clientWidth));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width] as const;
}

/** Received and seen per period as grouped bars, with a y axis of round numbers. */
export function TrendChart({ points, title, periodWord }: { points: TrendPoint[]; title: string; periodWord: string }) {
  const [ref, W] = useWidth(640);
  const ticks = niceTicks(Math.max(0, ...points.map((p) => p.received)));
  const top = ticks[ticks.length - 1];
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const slot = innerW / Math.max(1, points.length);
  const barW = Math.max(2, Math.min(22, slot * 0.36));
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const every = labelEvery(points.length, Math.max(2, Math.floor(innerW / 64)));
  const total = points.reduce((a, p) => a + p.received, 0);
  const seen = points.reduce((a, p) => a + p.seen, 0);
  return (
    <figure class="trend" ref={ref}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${fmtCount(total)} received and ${fmtCount(seen)} seen over ${points.length} ${periodWord}s. The table below has each ${periodWord}.`}>
        {ticks.map((t) => (
          <g key={t} class="tick">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 6} y={y(t)} dy="0.32em" text-anchor="end">{t}</text>
          </g>
        ))}
        {points.map((p, i) => {
          const x = PAD.left + i * slot + slot / 2;
          return (
            <g key={p.key}>
              <rect class="bar-received" x={x - barW - 1} y={y(p.received)} width={barW} height={Math.max(0, y(0) - y(p.received))}>
                <title>{`${p.label}: ${p.received} received`}</title>
              </rect>
              <rect class="bar-seen" x={x + 1} y={y(p.seen)} width={barW} height={Math.max(0, y(0) - y(p.seen))}>
                <title>{`${p.label}: ${p.seen} seen`}</title>
              </rect>
              {i % every === 0 && (
                <text class="x-label" x={x} y={H - 8} text-anchor="middle">{p.label}</text>
              )}
            </g>
          );
        })}
        <line class="axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      </svg>
      <figcaption class="legend">
        <span><span class="swatch swatch-received" aria-hidden="true" /> Received</span>
        <span><span class="swatch swatch-seen" aria-hidden="true" /> Seen</span>
      </figcaption>
    </figure>
  );
}

/** Tiny bars, one per month (the partner scorecard). Decorative: the caller gives the numbers as text. */
export function Sparkbars({ values, labels }: { values: number[]; labels: string[] }) {
  const w = 8;
  const gap = 3;
  const h = 32;
  const top = Math.max(1, ...values);
  return (
    <svg class="sparkbars" viewBox={`0 0 ${values.length * (w + gap)} ${h}`} width={values.length * (w + gap)} height={h} aria-hidden="true">
      {values.map((v, i) => (
        <rect key={i} x={i * (w + gap)} y={h - Math.max(v > 0 ? 2 : 1, (v / top) * h)} width={w} height={Math.max(v > 0 ? 2 : 1, (v / top) * h)} class={v > 0 ? 'spark' : 'spark spark-zero'}>
          <title>{`${labels[i]}: ${v}`}</title>
        </rect>
      ))}
    </svg>
  );
}
