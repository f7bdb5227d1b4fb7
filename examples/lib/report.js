'use strict';
// The table and the chart: one row per measured quantity, plain vs afterburner and their ratio.

const ROWS = [
  { key: 'rps', label: 'requests/s (median round)', unit: '', better: 'higher', digits: 0, get: (r) => r.load.requestsPerSecond },
  { key: 'p50', label: 'latency p50', unit: 'ms', better: 'lower', digits: 2, get: (r) => r.load.latencyMs.p50 },
  { key: 'p99', label: 'latency p99', unit: 'ms', better: 'lower', digits: 1, get: (r) => r.load.latencyMs.p99 },
  { key: 'cpu', label: 'CPU time under load', unit: 's', better: 'lower', digits: 2, get: (r) => r.cpuMs / 1000 },
  { key: 'cpuPer1k', label: 'CPU per 1,000 requests', unit: 'ms', better: 'lower', digits: 0, get: (r) => r.cpuMsPer1kRequests },
  { key: 'peakRss', label: 'peak RSS', unit: 'MB', better: 'lower', digits: 0, get: (r) => r.peakRssBytes / 1048576 },
  { key: 'scavenges', label: 'GC scavenges under load', unit: '', better: 'lower', digits: 0, get: (r) => r.gc.scavenges },
  { key: 'gcPause', label: 'GC pause total under load', unit: 'ms', better: 'lower', digits: 0, get: (r) => r.gc.pauseMs },
  { key: 'idleWakeups', label: 'idle wake-ups/s', unit: '', better: 'lower', digits: 1, get: (r) => r.idle.wakeupsPerSecond },
  { key: 'idleCpu', label: 'idle CPU', unit: 'ms/s', better: 'lower', digits: 2, get: (r) => r.idle.cpuMsPerSecond },
  { key: 'reload', label: 'config change seen after', unit: 'ms', better: 'lower', digits: 0, get: (r) => r.reloadMs },
  { key: 'listenersLeft', label: 'listeners left after close', unit: '', better: 'lower', digits: 0, get: (r) => r.listeners.left },
];

function ratio(plain, after) {
  if (!Number.isFinite(plain) || !Number.isFinite(after)) return null;
  if (plain === 0) return after === 0 ? 1 : null;
  return after / plain;
}

function buildRows(plain, after) {
  return ROWS.map((row) => {
    const a = row.get(plain);
    const b = row.get(after);
    return { key: row.key, label: row.label, unit: row.unit, better: row.better, digits: row.digits, plain: a ?? null, afterburner: b ?? null, ratio: ratio(a, b) };
  });
}

function fmt(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtRatio(r) {
  if (r === null) return '—';
  if (r === 0) return '0×';
  return `${r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

function printTable(rows, out = console.log) {
  const header = ['', 'plain node', 'afterburner', 'ratio'];
  const body = rows.map((r) => [`${r.label}${r.unit ? ` (${r.unit})` : ''} ${r.better === 'higher' ? '↑' : '↓'}`, fmt(r.plain, r.digits), fmt(r.afterburner, r.digits), fmtRatio(r.ratio)]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((cells) => cells[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  out(line(header));
  out(widths.map((w) => '─'.repeat(w)).join('   '));
  for (const cells of body) out(line(cells));
  out('↑ higher is better, ↓ lower is better; ratio = afterburner / plain node');
}

function formatBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} B`;
}

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Hand-written SVG: per row, two bars scaled to the larger of the pair (units differ per row). */
function svgChart(rows, { title }) {
  const width = 820;
  const labelW = 250;
  const barW = 430;
  const rowH = 46;
  const top = 64;
  const height = top + rows.length * rowH + 20;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="16" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<rect x="16" y="36" width="12" height="10" fill="#9aa5b1"/><text x="32" y="45">plain node</text>`);
  parts.push(`<rect x="112" y="36" width="12" height="10" fill="#e8590c"/><text x="128" y="45">afterburner</text>`);
  parts.push(`<text x="${width - 16}" y="45" text-anchor="end" fill="#555">ratio (afterburner / plain)</text>`);
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const max = Math.max(Number(r.plain) || 0, Number(r.afterburner) || 0) || 1;
    const w = (v) => (Number.isFinite(v) && v > 0 ? Math.max(1, (v / max) * barW) : 0);
    const label = `${r.label}${r.unit ? ` (${r.unit})` : ''} ${r.better === 'higher' ? '↑' : '↓'}`;
    parts.push(`<text x="16" y="${y + 22}">${esc(label)}</text>`);
    parts.push(`<rect x="${labelW}" y="${y + 6}" width="${w(r.plain).toFixed(1)}" height="14" fill="#9aa5b1"/>`);
    parts.push(`<text x="${(labelW + w(r.plain) + 4).toFixed(1)}" y="${y + 17}" fill="#333">${esc(fmt(r.plain, r.digits))}</text>`);
    parts.push(`<rect x="${labelW}" y="${y + 22}" width="${w(r.afterburner).toFixed(1)}" height="14" fill="#e8590c"/>`);
    parts.push(`<text x="${(labelW + w(r.afterburner) + 4).toFixed(1)}" y="${y + 33}" fill="#333">${esc(fmt(r.afterburner, r.digits))}</text>`);
    parts.push(`<text x="${width - 16}" y="${y + 26}" text-anchor="end" font-weight="bold">${esc(fmtRatio(r.ratio))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

module.exports = { ROWS, buildRows, printTable, svgChart, formatBytes, fmt, fmtRatio };
