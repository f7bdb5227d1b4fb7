/**
 * The polling report: which call sites wake the process up with timers, how often, and how many
 * of those wake-ups did nothing observable.
 *
 * "Did nothing observable" is measured, not guessed: a wake-up counts as idle when, while its
 * callback and the first few microtask hops after it run (enough for an awaited sleep to resume
 * and re-check), no async resource was created other than timers, promises and process.nextTick entries — no
 * file system request, socket or pipe write, DNS lookup, child process, immediate, HTTP request,
 * zlib job... A flag-polling loop (`setInterval(check, 10)`, `while (!ready) await sleep(10)`)
 * is idle on every turn but the last; a heartbeat that writes to a socket is not.
 *
 * Only active when the report is enabled (AFTERBURNER_TIMERS_REPORT=1 or AFTERBURNER_LOG=debug):
 * it costs an async_hooks init hook and a stack capture the first time a callback function is
 * seen. Past 500 new callbacks a second (fresh closures, one per `await sleep()`, at a high rate)
 * only 1 in 32 is captured and counts for 32 (the entry then says `estimated: true`).
 */
import { createHook, type AsyncHook } from 'node:async_hooks';
import * as path from 'node:path';
import { log } from '../core/log';

const NOT_OBSERVABLE = new Set(['Timeout', 'PROMISE', 'TickObject', 'Microtask']);
const OWN_DIR = path.resolve(__dirname, '..');

export interface Site {
  readonly where: string;
  kind: 'setTimeout' | 'setInterval';
  timers: number;
  wakeups: number;
  idle: number;
  /** Some of the counts are sampled estimates (fresh callbacks are sampled 1 in SAMPLE). */
  sampled: boolean;
}

export interface Tracked {
  site: Site;
  weight: number;
}

const SAMPLE = 32;
const CAPTURES_PER_S = 500;

export interface ReportEntry {
  /** file:line of the code that scheduled the timer (first frame outside afterburner and node internals). */
  site: string;
  kind: 'setTimeout' | 'setInterval';
  /** Timers created at this site since the report started. */
  timers: number;
  wakeups: number;
  /** Wake-ups that created no I/O or other observable async work (see the module comment). */
  idleWakeups: number;
  wakeupsPerMinute: number;
  idlePerMinute: number;
  /** True when the counts include estimates from sampled timers (past 500 new callbacks/s, 1 in 32 is sampled). */
  estimated: boolean;
}

export interface Recorder {
  start(): void;
  stop(): void;
  site(kind: 'setTimeout' | 'setInterval', callback: object): Tracked | undefined;
  run(tracked: Tracked, callback: (...a: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown;
  entries(): ReportEntry[];
}

function frameOutside(): string {
  const saveLimit = Error.stackTraceLimit;
  const savePrepare = Error.prepareStackTrace;
  let where = 'unknown';
  try {
    Error.stackTraceLimit = 8;
    Error.prepareStackTrace = (_e, frames) => frames;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, frameOutside);
    for (const frame of holder.stack ?? []) {
      const file = frame.getFileName();
      if (!file || file.startsWith('node:') || file.startsWith(OWN_DIR)) continue;
      where = `${file.startsWith('file://') ? file.slice(7) : file}:${frame.getLineNumber()}`;
      break;
    }
  } finally {
    Error.prepareStackTrace = savePrepare;
    Error.stackTraceLimit = saveLimit;
  }
  return where;
}

let current: RecorderImpl | null = null;

class RecorderImpl implements Recorder {
  private readonly sites = new Map<string, Site>();
  private activity = 0;
  private pending: { site: Site; weight: number; mark: number } | null = null;
  private readonly byCallback = new WeakMap<object, Tracked>();
  private tokens = CAPTURES_PER_S;
  private refilled = 0;
  private flushScheduled = false;
  private hook: AsyncHook | null = null;
  private startedAt = 0;
  private onExit = (): void => this.printTop();

  start(): void {
    this.startedAt = performance.now();
    this.refilled = this.startedAt;
    this.hook = createHook({
      init: (_id, type) => {
        if (!NOT_OBSERVABLE.has(type)) this.activity++;
      },
    }).enable();
    process.on('exit', this.onExit);
    current = this;
  }

  stop(): void {
    this.settle();
    this.hook?.disable();
    this.hook = null;
    process.removeListener('exit', this.onExit);
  }

  site(kind: 'setTimeout' | 'setInterval', callback: object): Tracked | undefined {
    const known = this.byCallback.get(callback);
    if (known && known.site.kind === kind) {
      known.site.timers++;
      return known;
    }
    // A stack capture costs ~7 µs. Up to CAPTURES_PER_S new callbacks a second are all captured;
    // beyond that (a fresh closure per sleep at a high rate) 1 in SAMPLE is, and counts for SAMPLE.
    const now = performance.now();
    this.tokens = Math.min(CAPTURES_PER_S, this.tokens + ((now - this.refilled) * CAPTURES_PER_S) / 1000);
    this.refilled = now;
    let weight = 1;
    if (this.tokens >= 1) this.tokens--;
    else if (Math.random() < 1 / SAMPLE) weight = SAMPLE;
    else return undefined;
    const where = frameOutside();
    const key = `${kind} ${where}`;
    let site = this.sites.get(key);
    if (!site) this.sites.set(key, (site = { where, kind, timers: 0, wakeups: 0, idle: 0, sampled: false }));
    site.timers += weight;
    if (weight > 1) site.sampled = true;
    const tracked = { site, weight };
    // Reused callbacks (setInterval, `setTimeout(poll, ms)` re-arming itself) are counted exactly.
    this.byCallback.set(callback, { site, weight: 1 });
    return tracked;
  }

  run(tracked: Tracked, callback: (...a: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown {
    this.settle();
    const site = tracked.site;
    site.wakeups += tracked.weight;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.settle();
      }).unref();
    }
    const pending = { site, weight: tracked.weight, mark: this.activity };
    this.pending = pending;
    try {
      return callback.apply(thisArg, args);
    } finally {
      // The wake-up's own consequences run as microtasks right after it (an awaited sleep resumes,
      // checks its flag, sleeps again): close the window a few microtask hops later, before the
      // loop moves on to I/O that belongs to nobody's timer.
      let hops = 3;
      const hop = (): void => {
        if (--hops > 0) queueMicrotask(hop);
        else if (this.pending === pending) this.settle();
      };
      queueMicrotask(hop);
    }
  }

  private settle(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (this.activity === p.mark) p.site.idle += p.weight;
  }

  entries(): ReportEntry[] {
    this.settle();
    const minutes = Math.max((performance.now() - this.startedAt) / 60_000, 1 / 60);
    return [...this.sites.values()]
      .filter((s) => s.wakeups > 0)
      .map((s) => ({
        site: s.where,
        kind: s.kind,
        timers: s.timers,
        wakeups: s.wakeups,
        idleWakeups: s.idle,
        wakeupsPerMinute: Math.round((s.wakeups / minutes) * 10) / 10,
        idlePerMinute: Math.round((s.idle / minutes) * 10) / 10,
        estimated: s.sampled,
      }))
      .sort((a, b) => b.idlePerMinute - a.idlePerMinute || b.wakeupsPerMinute - a.wakeupsPerMinute);
  }

  private printTop(): void {
    if (!log.enabled('debug')) return;
    const top = this.entries().slice(0, 10);
    if (top.length === 0) return;
    log.debug('timers report (worst first): idle wake-ups/min, wake-ups/min, call site');
    for (const e of top) log.debug(`  ${String(e.idlePerMinute).padStart(8)} ${String(e.wakeupsPerMinute).padStart(8)}  ${e.kind} at ${e.site}`);
  }
}

export function reportRecorder(): Recorder {
  return new RecorderImpl();
}

/**
 * Per call site: timer wake-ups per minute and how many of them did nothing observable, worst
 * first. Empty unless the report is on (AFTERBURNER_TIMERS_REPORT=1, AFTERBURNER_LOG=debug, or
 * install({ timers: { report: true } })).
 */
export function report(): ReportEntry[] {
  return current ? current.entries() : [];
}

export function reportEnabled(): boolean {
  return current !== null;
}

export function clearCurrent(r: Recorder): void {
  if (current === r) current = null;
}
