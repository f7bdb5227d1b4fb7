/**
 * setTimeout/setInterval hooks: opt-in coalescing (AFTERBURNER_TIMER_SLACK_MS) and the polling
 * report's accounting. When neither is on, nothing is replaced and timers cost exactly what they
 * cost without afterburner.
 *
 * Coalescing keeps the platform's own Timeout objects (so ref/unref/hasRef/refresh/close,
 * clearTimeout, Symbol.toPrimitive and Symbol.dispose are the platform's) and only moves the
 * expiry of a timer whose delay is at least 10 × slack forward to the next multiple of the slack
 * on Node's timer clock, through the Timeout's own `_idleStart`/`_idleTimeout` fields and a
 * re-insert (only when both fields look as expected; otherwise the timer is left alone).
 *
 * Order: timers that land on the same grid point sit in different Node timer lists, and Node
 * orders lists with equal expiry by list id, not by the deadlines they had before alignment. So
 * every aligned timer is also queued in its grid slot by (requested deadline, creation order), and
 * when Node fires one of them, the ones that were due before it (or equally, created earlier) and
 * have not run yet run first; Node's own later call for those is then skipped.
 */
import * as timers from 'node:timers';
import { promisify } from 'node:util';
import { originalTimers } from './originals';
import { clearCurrent, reportRecorder, type Recorder } from './report';

type Callback = (...args: unknown[]) => unknown;
type TimerFn = (callback: Callback, ms?: number, ...args: unknown[]) => NodeJS.Timeout;
interface TimeoutInternals {
  _idleStart?: unknown;
  _idleTimeout?: unknown;
  _repeat?: unknown;
  _destroyed?: unknown;
  refresh(): unknown;
}

const TIMEOUT_MAX = 2 ** 31 - 1;

/** One aligned timer waiting in its grid slot. */
interface Pending {
  timer: TimeoutInternals | null;
  slot: number;
  deadline: number;
  seq: number;
  /** Ran ahead of Node's call to keep the order; Node's call is then skipped. */
  ranEarly: boolean;
  done: boolean;
}

interface Slot {
  /** Sorted by (deadline, seq). Entries are nulled out when they run or are cleared. */
  entries: (Pending | null)[];
  head: number;
  live: number;
}

interface HookState {
  slackMs?: number;
  recorder?: Recorder;
  saved: Record<string, unknown>;
  refresh: (this: TimeoutInternals) => unknown;
  close: (this: TimeoutInternals) => unknown;
  dispose: ((this: TimeoutInternals) => unknown) | undefined;
  timeoutProto: Record<string | symbol, unknown>;
  aligned: number;
  reordered: number;
}

let state: HookState | null = null;
let seq = 0;
const slots = new Map<number, Slot>();
/**
 * Per aligned timer, on the Timeout itself under a non-enumerable symbol (WeakMaps cost several
 * times more here, mostly in GC): what Node would call (the user's callback, report-wrapped, and
 * its arguments), the requested duration (refresh() and repeats start from it again), and its
 * place in a grid slot.
 */
interface TimerRecord {
  callback: Callback;
  args: unknown[];
  requested: number | undefined;
  pending: Pending | undefined;
}
const kRecord = Symbol('afterburner.coalesced');
function recordOf(t: object): TimerRecord | undefined {
  return (t as Record<symbol, TimerRecord | undefined>)[kRecord];
}

const timersModule = timers as unknown as Record<string, unknown>;
const globals = globalThis as unknown as Record<string, unknown>;

/** The smallest multiple of `slack` that is >= `expiry`. */
export function alignedExpiry(expiry: number, slack: number): number {
  return Math.ceil(expiry / slack) * slack;
}

function enqueue(p: Pending): void {
  let slot = slots.get(p.slot);
  if (!slot) slots.set(p.slot, (slot = { entries: [], head: 0, live: 0 }));
  const list = slot.entries;
  let i = list.length;
  // Almost always appended at the end: deadlines mostly grow with creation order.
  while (i > slot.head) {
    const prev = list[i - 1];
    if (prev === null || prev.deadline <= p.deadline) break;
    i--;
  }
  list.splice(i, 0, p);
  slot.live++;
}

function forget(p: Pending): void {
  if (p.done) return;
  p.done = true;
  p.timer = null;
  const slot = slots.get(p.slot);
  if (!slot) return;
  const i = slot.entries.indexOf(p, slot.head);
  if (i >= 0) slot.entries[i] = null;
  if (--slot.live <= 0) slots.delete(p.slot);
}

function isCleared(t: TimeoutInternals): boolean {
  return t._destroyed === true || t._idleTimeout === -1;
}

/** Runs every live entry of `p`'s slot ordered before `p`, then returns. */
function runPredecessors(p: Pending): void {
  const slot = slots.get(p.slot);
  if (!slot) return;
  const due: Pending[] = [];
  for (let i = slot.head; i < slot.entries.length; i++) {
    const e = slot.entries[i];
    if (e === p) break;
    if (e === null || e.done) continue;
    if (!e.timer || isCleared(e.timer)) {
      forget(e);
      continue;
    }
    due.push(e);
  }
  if (due.length === 0) return;
  if (state) state.reordered += due.length;
  const calls = due.map((e) => {
    const timer = e.timer!;
    const call = recordOf(timer);
    forget(e);
    e.ranEarly = true;
    return () => call?.callback.apply(timer, call.args);
  });
  runInOrder(calls, 0);
}

function runInOrder(calls: (() => unknown)[], i: number): void {
  if (i >= calls.length) return;
  try {
    calls[i]();
  } finally {
    runInOrder(calls, i + 1);
  }
}

function track(t: TimeoutInternals, slot: number, deadline: number): void {
  const rec = recordOf(t);
  if (!rec) return;
  const old = rec.pending;
  if (old) forget(old);
  const p: Pending = { timer: t, slot, deadline, seq: ++seq, ranEarly: false, done: false };
  rec.pending = p;
  enqueue(p);
}

/** Moves `t` onto the grid; returns its slot and the deadline it asked for, or undefined if left alone. */
function align(t: TimeoutInternals, slack: number, refresh: (this: TimeoutInternals) => unknown): { slot: number; deadline: number } | undefined {
  const start = t._idleStart;
  const rec = recordOf(t);
  const duration = rec?.requested ?? t._idleTimeout;
  if (typeof start !== 'number' || typeof duration !== 'number' || !(duration >= 10 * slack)) return undefined;
  if (!rec) return undefined;
  rec.requested = duration;
  const target = alignedExpiry(start + duration, slack);
  if (target !== start + duration || t._idleTimeout !== duration) {
    t._idleTimeout = target - start;
    refresh.call(t);
    // The re-insert reads the loop clock again; if it moved, aim at the same grid point from there.
    const restart = t._idleStart;
    if (typeof restart === 'number' && restart !== start && target - restart >= 1) {
      t._idleTimeout = target - restart;
      refresh.call(t);
    }
  }
  if (state) state.aligned++;
  return { slot: target, deadline: start + duration };
}

/** Node's timer clock now: the start a freshly inserted Timeout records. */
function loopNow(): number | undefined {
  const probe = originalTimers.setTimeout(noop, 1) as unknown as TimeoutInternals;
  originalTimers.clearTimeout(probe as unknown as NodeJS.Timeout);
  return typeof probe._idleStart === 'number' ? probe._idleStart : undefined;
}

function noop(): void {}

/**
 * Node re-arms an interval after its callback with `_repeat`, counted from the clock reading it
 * took just before calling it; we read the same clock first thing in the callback (equal unless it
 * ticked in between, then the re-arm lands that 1 ms before the grid point, never before the
 * interval has elapsed). Aim that re-arm at the grid.
 */
function realignRepeat(t: TimeoutInternals, slack: number): void {
  const interval = recordOf(t)?.requested;
  const now = loopNow();
  if (interval === undefined || now === undefined || isCleared(t)) return;
  const next = alignedExpiry(now + interval, slack);
  t._repeat = next - now;
  track(t, next, now + interval);
}

function makeSetTimer(original: TimerFn, repeat: boolean): TimerFn {
  const kind = repeat ? 'setInterval' : 'setTimeout';
  const wrapper = function (this: unknown, callback: Callback, ms?: number, ...args: unknown[]): NodeJS.Timeout {
    const s = state;
    if (!s || typeof callback !== 'function') return original.call(this, callback, ms, ...args);
    const slack = s.slackMs;
    const coalesce = slack !== undefined && typeof ms === 'number' && ms >= 10 * slack && ms <= TIMEOUT_MAX;
    const recorder = s.recorder;
    const tracked = recorder?.site(kind, callback);
    const user: Callback = tracked ? function (this: unknown, ...a: unknown[]) { return recorder!.run(tracked, callback, this, a); } : callback;
    if (!coalesce) return original.call(this, user, ms, ...args);
    const fire = function (this: TimeoutInternals, ...a: unknown[]): unknown {
      const p = recordOf(this)?.pending;
      if (p) {
        if (p.ranEarly) {
          // Already run ahead of this call to keep the order.
          p.ranEarly = false;
          if (repeat) realignRepeat(this, slack);
          return undefined;
        }
        runPredecessors(p);
        forget(p);
      }
      if (repeat) realignRepeat(this, slack);
      return user.apply(this, a);
    };
    const t = original.call(this, fire, ms, ...args) as unknown as TimeoutInternals;
    Object.defineProperty(t, kRecord, { value: { callback: user, args, requested: undefined, pending: undefined } satisfies TimerRecord, configurable: true, writable: true, enumerable: false });
    const placed = align(t, slack, s.refresh);
    if (placed) track(t, placed.slot, placed.deadline);
    return t as unknown as NodeJS.Timeout;
  };
  Object.defineProperty(wrapper, 'name', { value: original.name });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  const custom = (original as unknown as Record<symbol, unknown>)[promisify.custom];
  if (custom !== undefined) Object.defineProperty(wrapper, promisify.custom, { value: custom, configurable: true, writable: true });
  return wrapper as TimerFn;
}

function makeClear(original: (t: unknown) => void): (t: unknown) => void {
  const wrapper = function (this: unknown, t: unknown): void {
    original.call(this, t);
    if (t !== null && typeof t === 'object') {
      const p = recordOf(t)?.pending;
      if (p) forget(p);
    }
  };
  Object.defineProperty(wrapper, 'name', { value: original.name });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  return wrapper;
}

export interface HookOptions {
  slackMs?: number;
  report: boolean;
}

const NAMES = ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] as const;

function setProto(proto: Record<string | symbol, unknown>, key: string | symbol, value: unknown): void {
  Object.defineProperty(proto, key, { value, configurable: true, writable: true, enumerable: false });
}

export function installTimerHooks(options: HookOptions): void {
  if (state || (options.slackMs === undefined && !options.report)) return;
  const probe = originalTimers.setTimeout(() => {}, 1);
  const timeoutProto = Object.getPrototypeOf(probe) as Record<string | symbol, unknown>;
  originalTimers.clearTimeout(probe);
  const saved: Record<string, unknown> = {};
  for (const name of NAMES) saved[name] = globals[name];
  const dispose = Symbol.dispose !== undefined ? (timeoutProto[Symbol.dispose] as HookState['dispose']) : undefined;
  state = {
    slackMs: options.slackMs,
    recorder: options.report ? reportRecorder() : undefined,
    saved,
    refresh: timeoutProto.refresh as HookState['refresh'],
    close: timeoutProto.close as HookState['close'],
    dispose,
    timeoutProto,
    aligned: 0,
    reordered: 0,
  };
  state.recorder?.start();
  const hooks: Record<string, unknown> = {
    setTimeout: makeSetTimer(originalTimers.setTimeout as unknown as TimerFn, false),
    setInterval: makeSetTimer(originalTimers.setInterval as unknown as TimerFn, true),
  };
  if (options.slackMs !== undefined) {
    hooks.clearTimeout = makeClear(originalTimers.clearTimeout as (t: unknown) => void);
    hooks.clearInterval = makeClear(originalTimers.clearInterval as (t: unknown) => void);
  }
  for (const [name, fn] of Object.entries(hooks)) {
    globals[name] = fn;
    timersModule[name] = fn;
  }
  if (options.slackMs !== undefined) {
    const slack = options.slackMs;
    const s = state;
    // refresh() restarts from the requested delay, then the timer joins the grid again.
    setProto(timeoutProto, 'refresh', function refresh(this: TimeoutInternals): unknown {
      const wanted = recordOf(this)?.requested;
      const p = recordOf(this)?.pending;
      if (wanted === undefined || !p || state !== s) return s.refresh.call(this);
      this._idleTimeout = wanted;
      if (this._repeat !== null && this._repeat !== undefined) this._repeat = wanted;
      s.refresh.call(this);
      forget(p);
      const placed = align(this, slack, s.refresh);
      if (placed) track(this, placed.slot, placed.deadline);
      return this;
    });
    setProto(timeoutProto, 'close', function close(this: TimeoutInternals): unknown {
      const p = recordOf(this)?.pending;
      if (p) forget(p);
      return s.close.call(this);
    });
    if (dispose) {
      setProto(timeoutProto, Symbol.dispose, function dispose(this: TimeoutInternals): unknown {
        const p = recordOf(this)?.pending;
        if (p) forget(p);
        return s.dispose!.call(this);
      });
    }
  }
}

export function uninstallTimerHooks(): void {
  const s = state;
  if (!s) return;
  state = null;
  for (const name of NAMES) {
    globals[name] = s.saved[name];
    timersModule[name] = originalTimers[name];
  }
  if (s.slackMs !== undefined) {
    setProto(s.timeoutProto, 'refresh', s.refresh);
    setProto(s.timeoutProto, 'close', s.close);
    if (s.dispose) setProto(s.timeoutProto, Symbol.dispose, s.dispose);
  }
  if (s.recorder) {
    s.recorder.stop();
    clearCurrent(s.recorder);
  }
}

export function timerHooksStatus(): { slackMs?: number; report: boolean; aligned: number; reordered: number } {
  return { slackMs: state?.slackMs, report: Boolean(state?.recorder), aligned: state?.aligned ?? 0, reordered: state?.reordered ?? 0 };
}
