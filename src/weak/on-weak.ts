/**
 * onWeak: a listener on an EventEmitter or EventTarget that holds its owner weakly and removes
 * itself from the source once the owner has been collected.
 *
 * What holds what (the point of the whole module):
 *   source -> listener -> { WeakRef(target), method, registration, cell }
 *     (the cell holds the target only until the end of the job that called the listener: hold.ts)
 *   registration -> { WeakRef(source), listener, event }        (never the target)
 *   targetRegistry holds registration as its held value          (never the target)
 *   sourceRegistry holds registration too, so a registration whose source died first is dropped
 *   signal -> abort listener -> registration
 * The unsubscribe function closes over the registration only.
 */
import { errorMessage, invalidParameterError } from '../core/errors';
import { log } from '../core/log';
import { checkMethod, checkTarget, type AnyFunction, type WeakMethod } from './handler';
import { hold, type Cell } from './hold';

export interface OnWeakOptions {
  /** Fire at most once (EventEmitter#once / addEventListener's `once`). */
  once?: boolean;
  /** EventEmitter only: add before the existing listeners (prependListener). */
  prepend?: boolean;
  /** Remove the listener when this signal aborts. */
  signal?: AbortSignal;
  /** EventTarget only: passed to addEventListener/removeEventListener. */
  capture?: boolean;
}

export type Unsubscribe = () => boolean;

interface EmitterLike {
  on?(event: string | symbol, listener: AnyFunction): unknown;
  addListener(event: string | symbol, listener: AnyFunction): unknown;
  once(event: string | symbol, listener: AnyFunction): unknown;
  prependListener?(event: string | symbol, listener: AnyFunction): unknown;
  prependOnceListener?(event: string | symbol, listener: AnyFunction): unknown;
  removeListener(event: string | symbol, listener: AnyFunction): unknown;
}

interface TargetLike {
  addEventListener(type: string, listener: AnyFunction, options?: object): void;
  removeEventListener(type: string, listener: AnyFunction, options?: object): void;
}

interface Registration {
  readonly source: WeakRef<object>;
  readonly emitter: boolean;
  readonly event: string | symbol;
  readonly capture: boolean;
  readonly once: boolean;
  /** Registration order, for removing many dead listeners in the order their source searches. */
  readonly seq: number;
  listener: AnyFunction | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

const counters = { registered: 0, live: 0, autoRemoved: 0 };
let sequence = 0;

/** Counters for status(): registrations made, still attached, and removed because the owner died. */
export function weakListenerStats(): { registered: number; live: number; autoRemoved: number } {
  return { ...counters };
}

// Ends a registration's bookkeeping without touching the source.
function finish(reg: Registration): void {
  if (reg.done) return;
  reg.done = true;
  counters.live--;
  targetRegistry.unregister(reg);
  sourceRegistry.unregister(reg);
  if (reg.signal && reg.onAbort) reg.signal.removeEventListener('abort', reg.onAbort);
  reg.signal = undefined;
  reg.onAbort = undefined;
}

function detach(reg: Registration): boolean {
  if (reg.done) return false;
  const source = reg.source.deref();
  const listener = reg.listener;
  finish(reg);
  reg.listener = undefined;
  if (source !== undefined && listener !== undefined) {
    if (reg.emitter) (source as EmitterLike).removeListener(reg.event, listener);
    else (source as TargetLike).removeEventListener(reg.event as string, listener, { capture: reg.capture });
  }
  return true;
}

// Runs outside any caller's try/catch (finalizer task, abort dispatch): a source whose
// removeListener throws must not become an uncaught exception in the host service.
function detachQuietly(reg: Registration): void {
  try {
    detach(reg);
  } catch (err) {
    log.warnOnce('weak-detach', `a weak listener could not be removed from its source: ${errorMessage(err)}`);
  }
}

// Owners tend to die together (a pool drained, a burst of connections closed), and one finalizer
// task then reports thousands of them. Removing each listener as reported is quadratic: every
// removal searches the source's list, EventEmitter from the newest listener back, EventTarget from
// the oldest forward. So removals are batched to the end of the finalizer task and done in the
// order each kind of source finds them first.
let pending: Registration[] = [];
let flushScheduled = false;
const settled = Promise.resolve();

function flushPending(): void {
  const batch = pending;
  pending = [];
  flushScheduled = false;
  batch.sort((a, b) => (a.emitter !== b.emitter ? (a.emitter ? -1 : 1) : a.emitter ? b.seq - a.seq : a.seq - b.seq));
  for (const reg of batch) detachQuietly(reg);
}

const targetRegistry = new FinalizationRegistry<Registration>((reg) => {
  if (reg.done) return;
  counters.autoRemoved++;
  pending.push(reg);
  if (!flushScheduled) {
    flushScheduled = true;
    void settled.then(flushPending);
  }
});

// The source died first: nothing left to remove from, so only the bookkeeping goes.
const sourceRegistry = new FinalizationRegistry<Registration>((reg) => {
  finish(reg);
  reg.listener = undefined;
});

function isEmitter(source: object): source is EmitterLike {
  const s = source as Record<string, unknown>;
  return typeof s.removeListener === 'function' && typeof s.addListener === 'function' && typeof s.once === 'function';
}

function isEventTarget(source: object): source is TargetLike {
  const s = source as Record<string, unknown>;
  return typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}

function readOptions(options: unknown): Required<Pick<OnWeakOptions, 'once' | 'prepend' | 'capture'>> & { signal?: AbortSignal } {
  if (options === undefined || options === null) return { once: false, prepend: false, capture: false };
  if (typeof options !== 'object') throw invalidParameterError('options', 'an object or undefined', options);
  const o = options as Record<string, unknown>;
  for (const key of ['once', 'prepend', 'capture'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw invalidParameterError(`options.${key}`, 'a boolean', o[key]);
  }
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameterError('options.signal', 'an AbortSignal', signal);
  return { once: o.once === true, prepend: o.prepend === true, capture: o.capture === true, signal };
}

function makeListener(ref: WeakRef<object>, method: WeakMethod, reg: Registration): AnyFunction {
  const cell: Cell = { target: undefined };
  // Two bodies rather than a branch per call, so each stays monomorphic in the emit loop.
  if (typeof method === 'function') {
    const fn = method;
    return function weakListener(this: unknown, ...args: unknown[]): unknown {
      const owner = cell.target ?? hold(cell, ref);
      if (owner === undefined) {
        // Collected, and its finalizer has not run yet: clean up now instead of waiting.
        detach(reg);
        return undefined;
      }
      if (reg.once) finish(reg);
      return fn.apply(owner, args);
    };
  }
  const name = method;
  return function weakListener(this: unknown, ...args: unknown[]): unknown {
    const owner = (cell.target ?? hold(cell, ref)) as Record<string | symbol, AnyFunction> | undefined;
    if (owner === undefined) {
      detach(reg);
      return undefined;
    }
    if (reg.once) finish(reg);
    return owner[name](...args);
  };
}

/**
 * Registers `target[method]` (or `method` called with `this` = target) as a listener for `event`
 * on `source` (an EventEmitter or an EventTarget), holding `target` weakly. Once `target` has been
 * collected the listener is removed from `source` (by a FinalizationRegistry callback, or at the
 * next emit, whichever comes first). Returns an unsubscribe function (true if it removed
 * something).
 *
 * Options: `once`, `prepend` (EventEmitter), `signal` (AbortSignal: aborting unsubscribes),
 * `capture` (EventTarget).
 */
export function onWeak(source: object, event: string | symbol, target: object, method: WeakMethod, options?: OnWeakOptions): Unsubscribe {
  if ((typeof source !== 'object' && typeof source !== 'function') || source === null) {
    throw invalidParameterError('source', 'an EventEmitter or an EventTarget', source);
  }
  const emitter = isEmitter(source);
  if (!emitter && !isEventTarget(source)) throw invalidParameterError('source', 'an EventEmitter or an EventTarget', source);
  if (emitter ? typeof event !== 'string' && typeof event !== 'symbol' : typeof event !== 'string') {
    throw invalidParameterError('event', emitter ? 'a string or symbol' : 'a string (EventTarget event type)', event);
  }
  checkTarget(target);
  checkMethod(target, method);
  const opts = readOptions(options);
  if (!emitter && opts.prepend) throw invalidParameterError('options.prepend', 'false or undefined for an EventTarget (it has no prepend)', true);
  if (emitter && opts.capture) throw invalidParameterError('options.capture', 'false or undefined for an EventEmitter', true);

  const reg: Registration = {
    source: new WeakRef(source),
    emitter,
    event,
    capture: opts.capture,
    once: opts.once,
    seq: ++sequence,
    listener: undefined,
    signal: undefined,
    onAbort: undefined,
    done: true,
  };
  const unsubscribe: Unsubscribe = () => detach(reg);
  if (opts.signal?.aborted) return unsubscribe;

  const listener = makeListener(new WeakRef(target), method, reg);
  reg.listener = listener;
  if (emitter) {
    const e = source as EmitterLike;
    if (opts.prepend) {
      const add = opts.once ? e.prependOnceListener : e.prependListener;
      if (typeof add !== 'function') throw invalidParameterError('options.prepend', 'false for a source without prependListener', true);
      add.call(e, event, listener);
    } else if (opts.once) e.once(event, listener);
    else e.addListener(event, listener);
  } else {
    (source as TargetLike).addEventListener(event as string, listener, { once: opts.once, capture: opts.capture });
  }
  reg.done = false;
  counters.registered++;
  counters.live++;
  targetRegistry.register(target, reg, reg);
  sourceRegistry.register(source, reg, reg);
  if (opts.signal) {
    const onAbort = (): void => {
      detachQuietly(reg);
    };
    reg.signal = opts.signal;
    reg.onAbort = onAbort;
    opts.signal.addEventListener('abort', onAbort, { once: true });
  }
  return unsubscribe;
}
