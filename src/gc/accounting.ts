/**
 * GC accounting from PerformanceObserver 'gc' entries: count and pause time per kind, p50/p99 over
 * the most recent pauses. Cheap: V8 reports each collection once, there is nothing to poll.
 */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

// Enough recent pauses for a stable p99 without growing with uptime.
const WINDOW = 1024;

class KindStats {
  count = 0;
  totalMs = 0;
  maxMs = 0;
  private readonly recent = new Float64Array(WINDOW);
  private next = 0;
  private filled = 0;

  add(ms: number): void {
    this.count++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.recent[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
    if (this.filled < WINDOW) this.filled++;
  }

  percentile(p: number): number {
    if (this.filled === 0) return 0;
    const sorted = Array.from(this.recent.subarray(0, this.filled)).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  }

  snapshot(): GcKindStats {
    return { count: this.count, totalMs: round(this.totalMs), p50Ms: round(this.percentile(50)), p99Ms: round(this.percentile(99)), maxMs: round(this.maxMs) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export interface GcKindStats {
  count: number;
  totalMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface GcStats {
  /** False when no observer is running (gc patch off and stats never started). */
  observing: boolean;
  /** Milliseconds since accounting started. */
  sinceMs: number;
  total: GcKindStats;
  byKind: Record<string, GcKindStats>;
}

let observer: PerformanceObserver | undefined;
let startedAt = 0;
let kinds = new Map<string, KindStats>();
let all = new KindStats();
const majorListeners = new Set<() => void>();

function kindOf(entry: PerformanceEntry): number {
  const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
  return detail?.kind ?? (entry as unknown as { kind?: number }).kind ?? 0;
}

function onEntries(list: { getEntries(): PerformanceEntry[] }): void {
  let major = false;
  for (const entry of list.getEntries()) {
    const kind = kindOf(entry);
    const name = KINDS[kind] ?? `kind ${kind}`;
    let stats = kinds.get(name);
    if (!stats) kinds.set(name, (stats = new KindStats()));
    stats.add(entry.duration);
    all.add(entry.duration);
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) major = true;
  }
  if (major) for (const listener of majorListeners) listener();
}

/** Starts accounting (idempotent). The observer does not keep the process alive. */
export function startAccounting(): void {
  if (observer) return;
  startedAt = performance.now();
  kinds = new Map();
  all = new KindStats();
  observer = new PerformanceObserver(onEntries);
  observer.observe({ entryTypes: ['gc'] });
}

export function stopAccounting(): void {
  observer?.disconnect();
  observer = undefined;
}

export function onMajorGc(listener: () => void): () => void {
  majorListeners.add(listener);
  return () => majorListeners.delete(listener);
}

export function gcStats(): GcStats {
  const byKind: Record<string, GcKindStats> = {};
  for (const [name, stats] of kinds) byKind[name] = stats.snapshot();
  return { observing: observer !== undefined, sinceMs: observer ? Math.round(performance.now() - startedAt) : 0, total: all.snapshot(), byKind };
}
