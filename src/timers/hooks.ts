/**
 * setTimeout/setInterval hooks: opt-in coalescing (AFTERBURNER_TIMER_SLACK_MS) and the polling
 * report's accounting. When neither is on, nothing is replaced and timers cost exactly what they
 * cost without afterburner.
 *
 * Coalescing keeps the platform's own Timeout objects (so ref/unref/hasRef/refresh/close,
 * clearTimeout, Symbol.toPrimitive and Symbol.dispose are the platform's) and only moves the
 * expiry of a timer whose delay is at least 10 × slack forward to the next multiple of the slack
 * on Node's timer clock. The move is done through the Timeout's own `_idleStart`/`_idleTimeout`
 * fields and a re-insert, and only when both fields look as expected; otherwise the timer is left
 * as the platform made it.
 */
import * as timers from 'node:timers';
import { promisify } from 'node:util';
import { originalTimers } from './originals';
import { clearCurrent, reportRecorder, type Recorder } from './report';

type TimerFn = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => NodeJS.Timeout;
interface TimeoutInternals {
  _idleStart?: unknown;
  _idleTimeout?: unknown;
  _repeat?: unknown;
  refresh(): unknown;
}

interface HookState {
  slackMs?: number;
  recorder?: Recorder;
  globalSetTimeout: unknown;
  globalSetInterval: unknown;
  refresh: (this: TimeoutInternals) => unknown;
  timeoutProto: object;
  aligned: number;
}

let state: HookState | null = null;
/** Requested duration of every timer we aligned, so refresh() and repeats start from it again. */
const requested = new WeakMap<object, number>();

const timersModule = timers as unknown as Record<string, unknown>;
const globals = globalThis as unknown as Record<string, unknown>;

/** The smallest multiple of `slack` that is >= `expiry`. */
export function alignedExpiry(expiry: number, slack: number): number {
  return Math.ceil(expiry / slack) * slack;
}

function align(t: TimeoutInternals, slack: number, refresh: (this: TimeoutInternals) => unknown): boolean {
  const start = t._idleStart;
  const duration = requested.get(t) ?? t._idleTimeout;
  if (typeof start !== 'number' || typeof duration !== 'number' || !(duration >= 10 * slack)) return false;
  requested.set(t, duration);
  const target = alignedExpiry(start + duration, slack);
  if (target === start + duration && t._idleTimeout === duration) return true;
  t._idleTimeout = target - start;
  refresh.call(t);
  // The re-insert reads the loop clock again; if it moved, aim at the same grid point from there.
  const restart = t._idleStart;
  if (typeof restart === 'number' && restart !== start && target - restart >= 1) {
    t._idleTimeout = target - restart;
    refresh.call(t);
  }
  if (state) state.aligned++;
  return true;
}

function wrapCallback(callback: (...args: unknown[]) => void, recorder: Recorder | undefined, slack: number | undefined, repeat: boolean): (...args: unknown[]) => void {
  const site = recorder?.site(repeat ? 'setInterval' : 'setTimeout');
  return function (this: TimeoutInternals, ...args: unknown[]) {
    if (repeat && slack !== undefined) realignRepeat(this, slack);
    if (site) return recorder!.run(site, callback, this, args);
    return callback.apply(this, args);
  };
}

/**
 * Node re-arms an interval after its callback with `_repeat` from the loop time it read just
 * before the callback (its previous expiry, or slightly later). Aim that re-arm at the grid too.
 */
function realignRepeat(t: TimeoutInternals, slack: number): void {
  const interval = requested.get(t);
  const start = t._idleStart;
  const duration = t._idleTimeout;
  if (interval === undefined || typeof start !== 'number' || typeof duration !== 'number') return;
  const firedAt = start + duration;
  t._repeat = alignedExpiry(firedAt + interval, slack) - firedAt;
}

function makeSetTimer(original: TimerFn, repeat: boolean): TimerFn {
  const wrapper = function (this: unknown, callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout {
    const s = state;
    if (!s || typeof callback !== 'function') return original.call(this, callback, ms, ...args);
    const wrapped = s.recorder || (repeat && s.slackMs !== undefined) ? wrapCallback(callback, s.recorder, s.slackMs, repeat) : callback;
    const t = original.call(this, wrapped, ms, ...args);
    if (s.slackMs !== undefined) align(t as unknown as TimeoutInternals, s.slackMs, s.refresh);
    return t;
  };
  Object.defineProperty(wrapper, 'name', { value: original.name });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  const custom = (original as unknown as Record<symbol, unknown>)[promisify.custom];
  if (custom !== undefined) Object.defineProperty(wrapper, promisify.custom, { value: custom, configurable: true, writable: true });
  return wrapper as TimerFn;
}

export interface HookOptions {
  slackMs?: number;
  report: boolean;
}

export function installTimerHooks(options: HookOptions): void {
  if (state || (options.slackMs === undefined && !options.report)) return;
  const probe = originalTimers.setTimeout(() => {}, 1);
  const timeoutProto = Object.getPrototypeOf(probe) as { refresh: (this: TimeoutInternals) => unknown };
  originalTimers.clearTimeout(probe);
  const refresh = timeoutProto.refresh;
  const originalRefresh = refresh;
  state = {
    slackMs: options.slackMs,
    recorder: options.report ? reportRecorder() : undefined,
    globalSetTimeout: globals.setTimeout,
    globalSetInterval: globals.setInterval,
    refresh,
    timeoutProto,
    aligned: 0,
  };
  state.recorder?.start();
  const setTimeoutHook = makeSetTimer(originalTimers.setTimeout as unknown as TimerFn, false);
  const setIntervalHook = makeSetTimer(originalTimers.setInterval as unknown as TimerFn, true);
  globals.setTimeout = setTimeoutHook;
  globals.setInterval = setIntervalHook;
  timersModule.setTimeout = setTimeoutHook;
  timersModule.setInterval = setIntervalHook;
  if (options.slackMs !== undefined) {
    const slack = options.slackMs;
    // refresh() restarts from the requested delay, then the timer joins the grid again.
    Object.defineProperty(timeoutProto, 'refresh', {
      value: function refresh(this: TimeoutInternals): unknown {
        const wanted = requested.get(this);
        if (wanted === undefined || !state) return originalRefresh.call(this);
        this._idleTimeout = wanted;
        if (this._repeat !== null && this._repeat !== undefined) this._repeat = wanted;
        state.refresh.call(this);
        align(this, slack, state.refresh);
        return this;
      },
      configurable: true,
      writable: true,
      enumerable: false,
    });
  }
}

export function uninstallTimerHooks(): void {
  const s = state;
  if (!s) return;
  state = null;
  globals.setTimeout = s.globalSetTimeout;
  globals.setInterval = s.globalSetInterval;
  timersModule.setTimeout = originalTimers.setTimeout;
  timersModule.setInterval = originalTimers.setInterval;
  if (s.slackMs !== undefined) {
    Object.defineProperty(s.timeoutProto, 'refresh', { value: s.refresh, configurable: true, writable: true, enumerable: false });
  }
  if (s.recorder) {
    s.recorder.stop();
    clearCurrent(s.recorder);
  }
}

export function timerHooksStatus(): { slackMs?: number; report: boolean; aligned: number } {
  return { slackMs: state?.slackMs, report: Boolean(state?.recorder), aligned: state?.aligned ?? 0 };
}
