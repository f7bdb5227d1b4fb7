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
 * it costs a stack capture per timer created and an async_hooks init hook.
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
}

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
}

export interface Recorder {
  start(): void;
  stop(): void;
  site(kind: 'setTimeout' | 'setInterval'): Site | undefined;
  run(site: Site, callback: (...a: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown;
  entries(): ReportEntry[];
}

function frameOutside(): string {
  const saveLimit = Error.stackTraceLimit;
  const savePrepare = Error.prepareStackTrace;
  let where = 'unknown';
  try {
    Error.stackTraceLimit = 12;
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
  private pending: { site: Site; mark: number } | null = null;
  private flushScheduled = false;
  private hook: AsyncHook | null = null;
  private startedAt = 0;
  private onExit = (): void => this.printTop();

  start(): void {
    this.startedAt = performance.now();
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

  site(kind: 'setTimeout' | 'setInterval'): Site {
    const where = frameOutside();
    const key = `${kind} ${where}`;
    let site = this.sites.get(key);
    if (!site) this.sites.set(key, (site = { where, kind, timers: 0, wakeups: 0, idle: 0 }));
    site.timers++;
    return site;
  }

  run(site: Site, callback: (...a: unknown[]) => unknown, thisArg: unknown, args: unknown[]): unknown {
    this.settle();
    site.wakeups++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.settle();
      }).unref();
    }
    const pending = { site, mark: this.activity };
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
    if (this.activity === p.mark) p.site.idle++;
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
