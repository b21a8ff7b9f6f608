/**
 * The growth plot (`bench/growth.svg`, shown in RESULTS.md): small panels, one per measure, the
 * engine against the bare-Temporal baseline, log-scaled x (plan steps or parked runs). Plain SVG
 * text, no dependency: a benchmark should not need a plotting stack to explain itself.
 */
import type { GrowthResult } from '../sections/growth';

/** One line of a panel. */
interface Series {
  name: string;
  color: string;
  dash?: string;
  points: [number, number][];
}

/** One panel: a measure against plan size or parked runs. */
interface Panel {
  title: string;
  xLabel: string;
  series: Series[];
  /** A horizontal goal/limit line. */
  limit?: { y: number; label: string };
}

const W = 300;
const H = 220;
const M = { left: 52, right: 12, top: 26, bottom: 36 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number) =>
  v >= 1000 ? `${Math.round(v / 100) / 10}k` : v >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);

function panelSvg(p: Panel, ox: number, oy: number): string {
  const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && Number.isFinite(y));
  if (pts.length === 0) return '';
  const xs = pts.map(([x]) => Math.log10(x));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...pts.map(([, y]) => y), p.limit?.y ?? 0) * 1.1 || 1;
  const px = (x: number) => ox + M.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number) => oy + H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const out = [`<text x="${ox + W / 2}" y="${oy + 16}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  out.push(
    `<line x1="${ox + M.left}" y1="${py(0)}" x2="${ox + W - M.right}" y2="${py(0)}" stroke="#999"/><line x1="${ox + M.left}" y1="${py(0)}" x2="${ox + M.left}" y2="${oy + M.top}" stroke="#999"/>`,
  );
  for (const t of [0, 0.5, 1])
    out.push(
      `<text x="${ox + M.left - 4}" y="${py(yMax * t * 0.909) + 4}" text-anchor="end" font-size="10">${fmt(yMax * t * 0.909)}</text>`,
    );
  for (const x of [...new Set(pts.map(([x]) => x))])
    out.push(`<text x="${px(x)}" y="${py(0) + 14}" text-anchor="middle" font-size="10">${fmt(x)}</text>`);
  out.push(`<text x="${ox + W / 2}" y="${oy + H - 6}" text-anchor="middle" font-size="10">${esc(p.xLabel)}</text>`);
  if (p.limit)
    out.push(
      `<line x1="${ox + M.left}" y1="${py(p.limit.y)}" x2="${ox + W - M.right}" y2="${py(p.limit.y)}" stroke="#c00" stroke-dasharray="2,3"/><text x="${ox + W - M.right}" y="${py(p.limit.y) - 3}" text-anchor="end" font-size="9" fill="#c00">${esc(p.limit.label)}</text>`,
    );
  p.series.forEach((s, i) => {
    const line = s.points
      .filter(([x, y]) => x > 0 && Number.isFinite(y))
      .map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${line.join(' ')}"/>`,
    );
    for (const c of line)
      out.push(`<circle cx="${c.split(',')[0]}" cy="${c.split(',')[1]}" r="2.5" fill="${s.color}"/>`);
    out.push(
      `<text x="${ox + M.left + 6}" y="${oy + M.top + 10 + i * 12}" font-size="10" fill="${s.color}">${esc(s.name)}</text>`,
    );
  });
  return out.join('\n');
}

/** The SVG document of the growth tables. */
export function growthSvg(g: GrowthResult): string {
  const steps = (f: (r: GrowthResult['plans'][number]) => number) =>
    g.plans.map((r) => [r.steps, f(r)] as [number, number]);
  const engine = { name: 'Phasegate', color: '#1f5fa8' };
  const base = { name: 'bare Temporal', color: '#e07b00', dash: '5,4' };
  const panels: Panel[] = [
    {
      title: 'run time (s)',
      xLabel: 'plan steps',
      series: [
        { ...engine, points: steps((r) => r.seconds) },
        { ...base, points: steps((r) => r.baselineSeconds) },
      ],
    },
    {
      title: 'history events',
      xLabel: 'plan steps',
      series: [
        { ...engine, points: steps((r) => r.historyEvents) },
        { ...base, points: steps((r) => r.baselineHistoryEvents) },
      ],
    },
    {
      title: 'replay (s)',
      xLabel: 'plan steps',
      series: [
        { ...engine, points: steps((r) => r.replaySeconds) },
        { ...base, points: steps((r) => r.baselineReplaySeconds) },
      ],
    },
    {
      title: 'status size (KiB)',
      xLabel: 'plan steps',
      series: [
        { ...engine, name: 'whole status query', points: steps((r) => r.wholeStatusBytes / 1024) },
        {
          name: 'GET /api/runs/:id (paged)',
          color: '#2a8a3a',
          dash: '2,3',
          points: steps((r) => r.apiStatusBytes / 1024),
        },
      ],
      limit: { y: 512, label: '512 KiB' },
    },
    {
      title: 'worker RSS (MiB)',
      xLabel: 'parked runs',
      series: [
        { ...engine, points: g.parked.map((r) => [r.runs, r.workerRssMiB] as [number, number]) },
        {
          ...base,
          points: g.parked
            .filter((r) => r.baselineRssMiB !== null)
            .map((r) => [r.baselineRuns ?? r.runs, r.baselineRssMiB as number] as [number, number]),
        },
      ],
      limit: { y: 1024, label: '1 GiB' },
    },
  ];
  const cols = 3;
  const rows = Math.ceil(panels.length / cols);
  const body = panels.map((p, i) => panelSvg(p, (i % cols) * W, Math.floor(i / cols) * H)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rows * H}" font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
