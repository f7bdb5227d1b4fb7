/**
 * Event-driven waiting for async code: the JS counterparts of Python's threading.Condition and
 * threading.Event, a predicate wait that re-checks only when something fires, and a cancelable
 * sleep. None of them polls: every wake-up is caused by a notification, an event, the timeout or
 * the abort signal, and every listener they add is removed again whichever way the wait ends.
 */
import { invalidParameterError, outOfRangeError } from '../core/errors';
import { originalTimers } from './originals';

type Wake = () => void;

/** Anything a waiter can subscribe to; returns the function that unsubscribes. */
interface Subscribable {
  subscribe(wake: Wake): () => void;
}

export interface WaitOptions {
  /** Milliseconds; the wait rejects with a `TimeoutError` DOMException (or resolves false, see each method). */
  timeout?: number;
  signal?: AbortSignal;
}

function abortError(signal: AbortSignal): DOMException {
  const error = new DOMException('The operation was aborted', 'AbortError');
  // Same shape as the platform's AbortError: the signal's reason travels as `cause`.
  Object.defineProperty(error, 'cause', { value: signal.reason, configurable: true, writable: true, enumerable: false });
  return error;
}

function timeoutError(ms: number): DOMException {
  return new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError');
}

function checkOptions(where: string, options: unknown): WaitOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw invalidParameterError(`${where} options`, 'an object', options);
  const { timeout, signal } = options as WaitOptions;
  if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
    throw invalidParameterError(`${where} options.timeout`, 'a number of milliseconds', timeout);
  }
  if (typeof timeout === 'number' && timeout < 0) throw outOfRangeError(`${where} options.timeout`, 'a number >= 0', timeout);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameterError(`${where} options.signal`, 'an AbortSignal', signal);
  return { timeout, signal };
}

/**
 * Runs one wait: `arm(settle)` subscribes and returns its cleanup; settle(kind, value) ends the wait
 * exactly once, clearing the timer and every subscription first.
 */
function guardedWait<T>(
  options: WaitOptions,
  onTimeout: (resolve: (v: T) => void, reject: (e: unknown) => void) => void,
  arm: (done: (error: unknown, value?: T) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal, timeout } = options;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    let finished = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let disarm: (() => void) | undefined;
    const onAbort = (): void => finish(() => reject(abortError(signal!)));
    const finish = (settle: () => void): void => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) originalTimers.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      disarm?.();
      settle();
    };
    disarm = arm((error, value) => finish(() => (error === undefined ? resolve(value as T) : reject(error))));
    if (finished) {
      // arm() settled synchronously (predicate already true); its own cleanup still has to run.
      disarm();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeout !== undefined && Number.isFinite(timeout)) {
      timer = originalTimers.setTimeout(() => finish(() => onTimeout(resolve, reject)), timeout);
    }
  });
}

/**
 * Python's threading.Condition for async code, without the lock (JS code between awaits already
 * runs alone). `wait()` resolves true when notified, false when its timeout passes first.
 */
export class Condition implements Subscribable {
  private readonly waiters = new Set<Wake>();

  /** Number of pending waits (waitFor() calls subscribed to this condition included). */
  get waiting(): number {
    return this.waiters.size;
  }

  wait(options?: WaitOptions): Promise<boolean> {
    const opts = checkOptions('Condition.wait', options);
    return guardedWait<boolean>(
      opts,
      (resolve) => resolve(false),
      (done) => this.subscribe(() => done(undefined, true)),
    );
  }

  /** Wakes up to `n` waiters, oldest first. Returns how many were woken. */
  notify(n = 1): number {
    if (typeof n !== 'number' || Number.isNaN(n)) throw invalidParameterError('Condition.notify n', 'a number', n);
    let woken = 0;
    for (const wake of [...this.waiters]) {
      if (woken >= n) break;
      this.waiters.delete(wake);
      woken++;
      wake();
    }
    return woken;
  }

  notifyAll(): number {
    return this.notify(Infinity);
  }

  /** One-shot subscription: a notified waiter is removed, as in Python. */
  subscribe(wake: Wake): () => void {
    const entry: Wake = () => wake();
    this.waiters.add(entry);
    return () => this.waiters.delete(entry);
  }
}

/** Python's threading.Event: a latch. `wait()` resolves true once set, false on timeout. */
export class Event implements Subscribable {
  private flag = false;
  private readonly waiters = new Set<Wake>();

  get waiting(): number {
    return this.waiters.size;
  }

  isSet(): boolean {
    return this.flag;
  }

  set(): void {
    if (this.flag) return;
    this.flag = true;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  clear(): void {
    this.flag = false;
  }

  wait(options?: WaitOptions): Promise<boolean> {
    const opts = checkOptions('Event.wait', options);
    if (this.flag && !opts.signal?.aborted) return Promise.resolve(true);
    return guardedWait<boolean>(
      opts,
      (resolve) => resolve(false),
      (done) => this.subscribe(() => done(undefined, true)),
    );
  }

  subscribe(wake: Wake): () => void {
    const entry: Wake = () => wake();
    this.waiters.add(entry);
    return () => this.waiters.delete(entry);
  }
}

type EmitterLike = { on(name: string | symbol, fn: (...a: unknown[]) => void): unknown; removeListener(name: string | symbol, fn: (...a: unknown[]) => void): unknown };
type TargetLike = { addEventListener(name: string, fn: () => void): unknown; removeEventListener(name: string, fn: () => void): unknown };

/** A source waitFor re-checks on: `[emitter, 'event']`, `[eventTarget, 'type']`, a Condition or an Event. */
export type WaitSource = readonly [EmitterLike | TargetLike, string | symbol] | Condition | Event;

export interface WaitForOptions extends WaitOptions {
  on: WaitSource | readonly WaitSource[];
}

function isSourcePair(value: unknown): value is readonly [unknown, unknown] {
  return Array.isArray(value) && value.length === 2 && (typeof value[1] === 'string' || typeof value[1] === 'symbol') && typeof value[0] === 'object' && value[0] !== null;
}

function normaliseSources(on: unknown): WaitSource[] {
  const list = isSourcePair(on) || !Array.isArray(on) ? [on] : on;
  if (list.length === 0) throw invalidParameterError('waitFor options.on', 'at least one source', on);
  for (const source of list) {
    if (source instanceof Condition || source instanceof Event) continue;
    if (isSourcePair(source)) {
      const target = source[0] as Partial<EmitterLike & TargetLike>;
      const isEmitter = typeof target.on === 'function' && typeof target.removeListener === 'function';
      const isTarget = typeof target.addEventListener === 'function' && typeof target.removeEventListener === 'function';
      if (isEmitter || (isTarget && typeof source[1] === 'string')) continue;
    }
    throw invalidParameterError('waitFor options.on', "[EventEmitter, 'event'], [EventTarget, 'type'], a Condition or an Event", source);
  }
  return list as WaitSource[];
}

/** Subscribes `wake` to one source; returns the unsubscribe function. Condition/Event subscriptions are one-shot. */
function listen(source: WaitSource, wake: Wake): () => void {
  if (source instanceof Condition || source instanceof Event) {
    let off = source.subscribe(function again() {
      // One-shot like every Condition waiter; re-subscribe so later notifications still reach us.
      off = source.subscribe(again);
      wake();
    });
    return () => off();
  }
  const [target, name] = source;
  const listener = (): void => wake();
  if (typeof (target as EmitterLike).on === 'function' && typeof (target as EmitterLike).removeListener === 'function') {
    (target as EmitterLike).on(name, listener);
    return () => (target as EmitterLike).removeListener(name, listener);
  }
  (target as TargetLike).addEventListener(name as string, listener);
  return () => (target as TargetLike).removeEventListener(name as string, listener);
}

/**
 * Resolves with the predicate's first truthy value. The predicate runs once now and then only when
 * one of `on` fires: never on an interval. Rejects with an `AbortError` DOMException on `signal`, a
 * `TimeoutError` DOMException after `timeout` ms, or with whatever the predicate throws.
 */
export function waitFor<T>(predicate: () => T, options: WaitForOptions): Promise<NonNullable<T>> {
  if (typeof predicate !== 'function') throw invalidParameterError('waitFor predicate', 'a function', predicate);
  if (options === null || typeof options !== 'object') throw invalidParameterError('waitFor options', "an object with 'on'", options);
  const sources = normaliseSources(options.on);
  const opts = checkOptions('waitFor', options);
  return guardedWait<NonNullable<T>>(
    opts,
    (_resolve, reject) => reject(timeoutError(opts.timeout!)),
    (done) => {
      const check = (): boolean => {
        let value: T;
        try {
          value = predicate();
        } catch (err) {
          done(err ?? new Error('waitFor predicate threw a nullish value'));
          return true;
        }
        if (value) done(undefined, value as NonNullable<T>);
        return Boolean(value);
      };
      if (check()) return () => {};
      const offs = sources.map((source) => listen(source, check));
      return () => {
        for (const off of offs) off();
      };
    },
  );
}

export interface SleepOptions {
  signal?: AbortSignal;
  /** Let the process exit while sleeping (default false: a pending sleep keeps it alive, like setTimeout). */
  unref?: boolean;
}

/** Resolves after `ms`; rejects with an `AbortError` DOMException if `signal` aborts first. */
export function sleep(ms: number, options?: SleepOptions): Promise<void> {
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw invalidParameterError('sleep ms', 'a number of milliseconds', ms);
  if (ms < 0) throw outOfRangeError('sleep ms', 'a number >= 0', ms);
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidParameterError('sleep options', 'an object', options);
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameterError('sleep options.signal', 'an AbortSignal', signal);
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    // The global setTimeout on purpose: a sleep loop is a timer the polling report should see, and
    // coalescing (when opted in) applies to it like to any other timer.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (options?.unref) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
