/**
 * Returns freed C-heap memory to the system with malloc_trim, but only when it is worth it and
 * cheap for the service: after a major GC (V8 just released external memory: Buffers, zlib and
 * crypto state), when the event loop was mostly idle over the last interval, and when glibc holds
 * enough free memory to bother. A trim that turns out slow doubles the wait before the next one.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { onMajorGc } from './accounting';

export interface TrimBinding {
  trim(pad?: number): boolean;
  mallinfo2(): { fordblks?: number };
}

export interface TrimStats {
  enabled: boolean;
  intervalS: number;
  trims: number;
  totalMs: number;
  lastMs: number;
  /** RSS returned by the trims, MB (RSS before minus after each trim). */
  freedMB: number;
  skippedBusy: number;
  skippedLittleFree: number;
  reason?: string;
}

// Below this much free memory inside glibc a trim returns too little to be worth a lock sweep.
const MIN_FREE_BYTES = 4 * 2 ** 20;
// The loop counts as idle when it was busy less than this share of the interval.
const IDLE_ELU = 0.25;
// A trim slower than this backs off (up to 8x the interval).
const SLOW_TRIM_MS = 20;

let timer: NodeJS.Timeout | undefined;
let unsubscribe: (() => void) | undefined;
let stats: TrimStats = blank(false, 0);

function blank(enabled: boolean, intervalS: number, reason?: string): TrimStats {
  return { enabled, intervalS, trims: 0, totalMs: 0, lastMs: 0, freedMB: 0, skippedBusy: 0, skippedLittleFree: 0, ...(reason ? { reason } : {}) };
}

export function startTrimmer(binding: TrimBinding, intervalS: number): void {
  stopTrimmer();
  stats = blank(true, intervalS);
  let majorSinceTrim = false;
  let backoff = 1;
  let waited = 0;
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  unsubscribe = onMajorGc(() => {
    majorSinceTrim = true;
  });
  const tickS = Math.max(1, Math.min(5, intervalS));
  timer = setInterval(() => {
    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    waited += tickS;
    if (!majorSinceTrim || waited < intervalS * backoff) return;
    if (elu.utilization > IDLE_ELU) {
      stats.skippedBusy++;
      return;
    }
    let free = MIN_FREE_BYTES;
    try {
      free = binding.mallinfo2().fordblks ?? MIN_FREE_BYTES;
    } catch {
      // No figure: trim anyway, the timing guard still bounds the cost.
    }
    majorSinceTrim = false;
    waited = 0;
    if (free < MIN_FREE_BYTES) {
      stats.skippedLittleFree++;
      return;
    }
    const rssBefore = process.memoryUsage.rss();
    const t0 = performance.now();
    try {
      binding.trim(0);
    } catch {
      stopTrimmer();
      stats.reason = 'malloc_trim failed; trimming stopped';
      return;
    }
    const ms = performance.now() - t0;
    stats.trims++;
    stats.totalMs += ms;
    stats.lastMs = Math.round(ms * 1000) / 1000;
    stats.freedMB += Math.max(0, rssBefore - process.memoryUsage.rss()) / 2 ** 20;
    backoff = ms > SLOW_TRIM_MS ? Math.min(8, backoff * 2) : 1;
  }, tickS * 1000);
  timer.unref();
}

export function stopTrimmer(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
  unsubscribe?.();
  unsubscribe = undefined;
  stats.enabled = false;
}

export function trimStats(): TrimStats {
  return { ...stats, totalMs: Math.round(stats.totalMs * 1000) / 1000, freedMB: Math.round(stats.freedMB * 10) / 10 };
}

export function disableTrimmer(reason: string, intervalS = 0): void {
  stopTrimmer();
  stats = blank(false, intervalS, reason);
}
