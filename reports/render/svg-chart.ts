import { esc } from './escape.ts';

/**
 * A small inline-SVG line/area chart. Written by hand on purpose: the report
 * must be one offline file, and the chart libraries that render server-side
 * SVG bring a DOM (jsdom/d3) or a canvas for a few polylines and axes.
 */
export interface Series {
  name: string;
  color: string;
  /** [epoch ms, value]; null leaves a gap. */
  points: Array<[number, number | null]>;
  dashed?: boolean;
}

export interface Span {
  label: string;
  start: number;
  end: number;
}

export interface ChartOptions {
  id: string;
  title: string;
  unit: string;
  series: Series[];
  xStart: number;
  xEnd: number;
  shaded?: Span[];
  markers?: Array<{ ts: number; label: string }>;
  /** Horizontal reference line (e.g. the SLO threshold). */
  refLine?: { value: number; label: string };
  width?: number;
  height?: number;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Number(v.toPrecision(2)).toString();

function clock(ms: number, origin: number): string {
  const s = Math.round((ms - origin) / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 900;
  const H = o.height ?? 240;
  const pad = { l: 56, r: 16, t: 28, b: 34 };
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const span = Math.max(1, o.xEnd - o.xStart);
  const values: number[] = [];
  for (const s of o.series) for (const [, v] of s.points) if (v !== null) values.push(v);
  values.sort((a, b) => a - b);
  const max = values[values.length - 1] ?? 0;
  // One start-up spike should not flatten an hour of data: clip above 3x the 98th percentile value.
  const p98 = values[Math.floor(values.length * 0.98)] ?? 0;
  const clipped = values.length >= 50 && p98 > 0 && max > 3 * p98;
  let yMax = niceMax(Math.max(o.refLine?.value ?? 0, clipped ? p98 * 1.5 : max) * 1.05);
  if (!Number.isFinite(yMax) || yMax <= 0) yMax = 1;
  const x = (t: number) => pad.l + ((t - o.xStart) / span) * iw;
  const y = (v: number) => pad.t + ih - (Math.min(v, yMax) / yMax) * ih;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${esc(o.id)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}">`,
  );
  parts.push(`<text x="${pad.l}" y="16" class="title">${esc(o.title)}</text>`);
  if (clipped)
    parts.push(
      `<text x="${W - pad.r}" y="${pad.t - 4}" class="tick clipped" text-anchor="end">clipped at ${fmt(yMax)} ${esc(o.unit)} (max ${fmt(max)})</text>`,
    );
  for (const f of o.shaded ?? []) {
    const x0 = Math.max(pad.l, x(f.start));
    const x1 = Math.min(pad.l + iw, x(f.end));
    if (x1 <= x0) continue;
    parts.push(
      `<g class="fault"><rect x="${x0.toFixed(1)}" y="${pad.t}" width="${(x1 - x0).toFixed(1)}" height="${ih}"/><text x="${(x0 + 3).toFixed(1)}" y="${pad.t + 11}">${esc(f.label)}</text></g>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    parts.push(
      `<line class="grid" x1="${pad.l}" x2="${pad.l + iw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/><text class="tick" x="${pad.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  for (let i = 0; i <= 6; i++) {
    const t = o.xStart + (span / 6) * i;
    parts.push(
      `<text class="tick" x="${x(t).toFixed(1)}" y="${H - 14}" text-anchor="middle">${clock(t, o.xStart)}</text>`,
    );
  }
  parts.push(
    `<text class="tick" x="12" y="${pad.t + ih / 2}" transform="rotate(-90 12 ${pad.t + ih / 2})" text-anchor="middle">${esc(o.unit)}</text>`,
  );
  if (o.refLine) {
    const ry = y(o.refLine.value).toFixed(1);
    parts.push(
      `<g class="ref"><line x1="${pad.l}" x2="${pad.l + iw}" y1="${ry}" y2="${ry}"/><text x="${pad.l + iw - 4}" y="${Number(ry) - 4}" text-anchor="end">${esc(o.refLine.label)}</text></g>`,
    );
  }
  for (const m of o.markers ?? []) {
    const mx = x(m.ts).toFixed(1);
    parts.push(
      `<g class="marker"><line x1="${mx}" x2="${mx}" y1="${pad.t}" y2="${pad.t + ih}"/><title>${esc(m.label)}</title></g>`,
    );
  }
  for (const s of o.series) {
    // Split into runs of non-null points; each becomes one polyline.
    const runs: string[][] = [];
    let cur: string[] = [];
    for (const [t, v] of s.points) {
      if (v === null) {
        if (cur.length) runs.push(cur);
        cur = [];
      } else cur.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    }
    if (cur.length) runs.push(cur);
    const n = s.points.filter(([, v]) => v !== null).length;
    parts.push(`<g class="series" data-series="${esc(s.name)}" data-points="${n}">`);
    for (const r of runs) {
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${r.join(' ')}"/>`,
      );
    }
    parts.push('</g>');
  }
  parts.push(
    `<line class="axis" x1="${pad.l}" x2="${pad.l}" y1="${pad.t}" y2="${pad.t + ih}"/><line class="axis" x1="${pad.l}" x2="${pad.l + iw}" y1="${pad.t + ih}" y2="${pad.t + ih}"/>`,
  );
  let lx = pad.l + 40 + o.title.length * 7.5;
  for (const s of o.series) {
    parts.push(
      `<g class="legend"><line x1="${lx}" x2="${lx + 16}" y1="12" y2="12" stroke="${s.color}" stroke-width="3"/><text x="${lx + 20}" y="16">${esc(s.name)}</text></g>`,
    );
    lx += 30 + s.name.length * 7;
  }
  parts.push('</svg>');
  return parts.join('');
}
