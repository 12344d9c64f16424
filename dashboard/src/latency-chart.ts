import {
  Chart,
  type ChartDataset,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  type PointStyle,
  ScatterController,
  Tooltip,
} from 'chart.js';
import { FAILURE_CLASSES } from '../../shared/probe/core/types';
import { axisLabel, ms } from './format';
import { cssVar, cssVarWithOpacity } from './theme';
import { PHASES, type ProbeSeries } from './types';

Chart.register(
  LineController,
  ScatterController,
  LineElement,
  PointElement,
  LinearScale,
  Filler,
  Tooltip,
  Legend,
);

/**
 * Latency by phase, stacked (DNS, TCP, TLS, TTFB, transfer: their means add up to the mean
 * total), the p95 of the total as a dashed line, and failures as markers along the top, one
 * marker style per failure class. Empty buckets are gaps, not interpolated lines.
 */

const PHASE_LABELS: Record<(typeof PHASES)[number], string> = {
  dns: 'DNS',
  tcp: 'TCP connect',
  tls: 'TLS handshake',
  ttfb: 'Time to first byte',
  transfer: 'Transfer',
};

const CLASS_STYLES: readonly PointStyle[] = [
  'crossRot',
  'triangle',
  'rectRot',
  'star',
  'rect',
  'circle',
  'cross',
  'rectRounded',
  'triangle',
  'crossRot',
  'star',
];
// One colour per class as well as one shape, so classes stay apart for colour-blind readers and in print.
const CLASS_COLOURS = [
  '#d64545',
  '#e8590c',
  '#c2255c',
  '#9c36b5',
  '#1971c2',
  '#0c8599',
  '#2f9e44',
  '#f08c00',
  '#862e9c',
  '#495057',
  '#e03131',
];
const CLASS_ORDER = FAILURE_CLASSES;

type XY = { x: number; y: number | null; runs?: number };

let chart: Chart | undefined;
let last: ProbeSeries | undefined;

export function renderLatencyChart(canvas: HTMLCanvasElement, series: ProbeSeries): void {
  last = series;
  const datasets = buildDatasets(series);
  const bucketSeconds = series.bucketSeconds;
  const grid = cssVar('--grid');
  const text = cssVar('--muted');
  chart?.destroy();
  chart = new Chart(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'linear',
          min: Date.parse(series.from),
          max: Date.parse(series.to),
          grid: { color: grid },
          afterBuildTicks: (axis) => {
            axis.ticks = roundTicks(axis.min, axis.max, tickStepMs(series.range));
          },
          ticks: {
            color: text,
            maxRotation: 0,
            autoSkipPadding: 16,
            callback: (value) => axisLabel(Number(value), bucketSeconds),
          },
        },
        y: {
          type: 'linear',
          stacked: true,
          beginAtZero: true,
          grid: { color: grid },
          ticks: { color: text, callback: (value) => ms(Number(value)) },
          title: { display: true, text: 'ms', color: text },
        },
        failures: { type: 'linear', axis: 'y', position: 'right', display: false, min: 0, max: 1 },
      },
      plugins: {
        legend: {
          position: 'bottom',
          labels: { color: text, usePointStyle: true, boxHeight: 8, filter: (item) => item.hidden !== true },
        },
        tooltip: {
          callbacks: {
            title: (items) => {
              const x = items[0]?.parsed.x;
              return x === undefined || x === null
                ? ''
                : `${new Date(x).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
            },
            label: (item) => {
              const raw = item.raw as XY;
              if (item.dataset.type === 'scatter')
                return `${item.dataset.label}: ${raw.runs ?? 0} failed run(s)`;
              return `${item.dataset.label}: ${ms(raw.y)}`;
            },
          },
        },
      },
    },
  });
  canvas.dataset.target = series.target.id;
  canvas.dataset.range = series.range;
  canvas.dataset.source = series.source;
  canvas.dataset.points = String(drawnPoints(chart, 'ttfb'));
  canvas.dataset.failures = String(
    datasets.filter((d) => d.type === 'scatter').reduce((n, d) => n + d.data.length, 0),
  );
}

/** Ticks on round times (the scale is linear, so it would otherwise pick arbitrary ones). */
function tickStepMs(range: string): number {
  const minute = 60_000;
  const steps: Record<string, number> = {
    '1h': 10 * minute,
    '6h': 60 * minute,
    '24h': 180 * minute,
    '7d': 1440 * minute,
    '30d': 5 * 1440 * minute,
  };
  return steps[range] ?? 60 * minute;
}

/** Ticks at whole multiples of the step since the epoch: UTC midnights, whole hours, ten-minute marks. */
function roundTicks(min: number, max: number, step: number): { value: number }[] {
  const ticks: { value: number }[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max; v += step) ticks.push({ value: v });
  return ticks;
}

/** Redraws with the current theme's colours. */
export function rethemeLatencyChart(canvas: HTMLCanvasElement): void {
  if (last !== undefined) renderLatencyChart(canvas, last);
}

function buildDatasets(series: ProbeSeries): ChartDataset<'line' | 'scatter', XY[]>[] {
  const xs = series.points.map((p) => Date.parse(p.start));
  const phases: ChartDataset<'line', XY[]>[] = PHASES.map((phase, i) => {
    const colour = cssVar(`--phase-${phase}`);
    return {
      type: 'line',
      label: PHASE_LABELS[phase],
      stack: 'phases',
      data: series.points.map((p, j) => ({
        x: xs[j] ?? 0,
        // A phase that did not happen (DNS for an IP literal) adds 0 to a bucket that has data.
        y: p.totalMeanMs === null ? null : (p.phasesMeanMs[phase] ?? 0),
      })),
      borderColor: colour,
      backgroundColor: cssVarWithOpacity(`--phase-${phase}`, 73),
      fill: i === 0 ? 'origin' : '-1',
      borderWidth: 1,
      // Points as well as lines: a bucket with data but no neighbour (the first minutes of a probe) still shows.
      pointRadius: 2,
      pointHitRadius: 6,
      spanGaps: false,
      tension: 0,
      order: 2,
      // Hidden when it never happened in this range (DNS for IP literals, TLS for http).
      hidden: !series.points.some((p) => (p.phasesMeanMs[phase] ?? 0) > 0),
    };
  });
  const p95: ChartDataset<'line', XY[]> = {
    type: 'line',
    label: 'p95 total',
    stack: 'p95',
    data: series.points.map((p, j) => ({ x: xs[j] ?? 0, y: p.totalP95Ms })),
    borderColor: cssVar('--fg'),
    borderDash: [5, 4],
    borderWidth: 1.5,
    pointRadius: 2,
    fill: false,
    spanGaps: false,
    order: 1,
  };
  const classes = CLASS_ORDER.filter((c) => series.points.some((p) => (p.failures[c] ?? 0) > 0));
  const failures: ChartDataset<'scatter', XY[]>[] = classes.map((c) => ({
    type: 'scatter',
    label: `✕ ${c}`,
    yAxisID: 'failures',
    data: series.points
      .map((p, j) => ({ x: xs[j] ?? 0, y: 0.95, runs: p.failures[c] ?? 0 }))
      .filter((point) => point.runs > 0),
    pointStyle: CLASS_STYLES[CLASS_ORDER.indexOf(c)] ?? 'circle',
    pointRadius: 6,
    pointHoverRadius: 8,
    borderColor: CLASS_COLOURS[CLASS_ORDER.indexOf(c)] ?? cssVar('--down'),
    backgroundColor: CLASS_COLOURS[CLASS_ORDER.indexOf(c)] ?? cssVar('--down'),
    borderWidth: 2,
    order: 0,
  }));
  return [...phases, p95, ...failures];
}

/** Points the chart actually placed for a phase (non-null values), for the page's own checks and tests. */
function drawnPoints(instance: Chart, phase: (typeof PHASES)[number]): number {
  const index = instance.data.datasets.findIndex((d) => d.label === PHASE_LABELS[phase]);
  if (index < 0) return 0;
  return instance
    .getDatasetMeta(index)
    .data.filter((element) => !(element as unknown as { skip?: boolean }).skip).length;
}
