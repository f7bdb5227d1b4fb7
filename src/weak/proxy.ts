/**
 * weak.proxy: Python's weakref.proxy. A Proxy whose handler reaches the target through a WeakRef:
 * it behaves as the target while the target lives (property reads and writes, calls, `new`,
 * `instanceof`, `in`, `Object.keys`...) and throws a ReferenceError naming the target once it has
 * been collected. The proxy never holds the target strongly; only what the caller keeps does.
 *
 * The Proxy's own [[Target]] is a stand-in (an empty object, or a bound function for callable
 * targets, which has no non-configurable own property to trip the Proxy invariants). Methods read
 * through the proxy come back wrapped, so that `proxy.method()` runs with `this` = the real
 * target: class private fields and builtins' internal slots (Map, Date, ...) work, and the
 * wrapper itself only holds the WeakRef.
 */
import { inspect, types as utilTypes } from 'node:util';
import { errorMessage, invalidParameterError } from '../core/errors';
import { log } from '../core/log';

type Callback = (proxy: object) => void;

interface Registration {
  /** The proxy, weakly: like Python, the callback runs only if the proxy is still alive. */
  proxy: WeakRef<object>;
  callback: Callback;
}

const callbacks = new FinalizationRegistry<Registration>((reg) => {
  const proxy = reg.proxy.deref();
  if (proxy === undefined) return;
  try {
    reg.callback(proxy);
  } catch (err) {
    // A finalizer's exception would be uncaught in the host; Python prints "Exception ignored".
    log.warn(`weak.proxy callback threw (ignored): ${errorMessage(err)}`);
  }
});

// A proxy that dies before its target takes its callback registration with it.
const proxies = new FinalizationRegistry<object>((token) => callbacks.unregister(token));

function descriptorValue(obj: object, key: string): unknown {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  return d && 'value' in d ? d.value : undefined;
}

/** "Connection", "function handler", ... read without running getters or proxy traps. */
function nameOf(target: object): string {
  if (utilTypes.isProxy(target)) return typeof target === 'function' ? 'function (a Proxy)' : 'object (a Proxy)';
  if (typeof target === 'function') {
    const name = descriptorValue(target, 'name');
    return `function ${typeof name === 'string' && name ? name : '(anonymous)'}`;
  }
  const proto = Object.getPrototypeOf(target) as object | null;
  if (proto === null) return 'object (null prototype)';
  const ctor = descriptorValue(proto, 'constructor');
  const name = typeof ctor === 'function' ? descriptorValue(ctor, 'name') : undefined;
  return typeof name === 'string' && name ? `${name} object` : 'object';
}

/**
 * An object that stands for `target` without keeping it alive, like Python's
 * `weakref.proxy(obj, callback)`. While `target` lives, the proxy forwards property reads and
 * writes, `in`, deletes, `Object.keys`/`getOwnPropertyNames`, prototype lookups (`instanceof`),
 * calls and `new` to it; methods read through it run with `this` = the target. Once `target` has
 * been collected, every operation throws a ReferenceError that names it.
 *
 * `callback`, if given, is called with the proxy once `target` has been collected (from a
 * FinalizationRegistry, so some time after the GC), and only if the proxy itself is still alive.
 * It must not refer to `target`, or `target` is never collected. A callback that throws is
 * logged and ignored.
 *
 * Differences from the target, by necessity: `proxy !== target`; a method read through it is a
 * wrapper (stable per proxy, not `===` the target's function); it cannot be frozen or made
 * non-extensible; property descriptors read through it report `configurable: true`.
 */
export function proxy<T extends object>(target: T, callback?: (proxy: T) => void): T {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) {
    throw invalidParameterError('target', 'an object or a function (held weakly)', target);
  }
  if (callback !== undefined && typeof callback !== 'function') throw invalidParameterError('callback', 'a function or undefined', callback);
  const ref = new WeakRef(target);
  const label = nameOf(target);
  const callable = typeof target === 'function';
  const live = (): T => {
    const t = ref.deref();
    if (t === undefined) throw new ReferenceError(`weakly-referenced object no longer exists: the ${label} behind this weak.proxy has been garbage-collected`);
    return t;
  };
  // One wrapper per function read through this proxy, so `p.method === p.method`.
  const wrappers = new WeakMap<object, (...args: unknown[]) => unknown>();
  let self: T;
  const wrap = (fn: (...args: unknown[]) => unknown): ((...args: unknown[]) => unknown) => {
    let w = wrappers.get(fn);
    if (w === undefined) {
      w = function (this: unknown, ...args: unknown[]): unknown {
        if (new.target !== undefined) return Reflect.construct(fn, args, new.target === w ? fn : new.target);
        return Reflect.apply(fn, this === self ? live() : this, args);
      };
      Object.defineProperty(w, 'name', { value: descriptorValue(fn, 'name') ?? '', configurable: true });
      wrappers.set(fn, w);
    }
    return w;
  };
  const standIn: object = callable ? function standIn() {}.bind(null) : {};
  // util.inspect formats a Proxy's [[Target]] (without running traps) and honours its custom hook.
  Object.defineProperty(standIn, inspect.custom, {
    configurable: true,
    value: (depth: number, options: object) => {
      const t = ref.deref();
      return t === undefined ? `[weak.proxy: ${label}, collected]` : `[weak.proxy] ${inspect(t, { ...options, depth })}`;
    },
  });
  const handler: ProxyHandler<object> = {
    get(_, key) {
      const t = live();
      const value = Reflect.get(t, key, t) as unknown;
      return typeof value === 'function' ? wrap(value as (...args: unknown[]) => unknown) : value;
    },
    set(_, key, value) {
      const t = live();
      return Reflect.set(t, key, value, t);
    },
    has: (_, key) => Reflect.has(live(), key),
    deleteProperty: (_, key) => Reflect.deleteProperty(live(), key),
    ownKeys: () => Reflect.ownKeys(live()),
    getOwnPropertyDescriptor(_, key) {
      const d = Reflect.getOwnPropertyDescriptor(live(), key);
      // The stand-in does not have the property, so the Proxy may only report it as configurable.
      return d === undefined ? undefined : { ...d, configurable: true };
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(live(), key, descriptor),
    getPrototypeOf: () => Reflect.getPrototypeOf(live()),
    setPrototypeOf: (_, proto) => Reflect.setPrototypeOf(live(), proto),
    preventExtensions: () => {
      live();
      return false;
    },
    apply: (_, thisArg, args) => Reflect.apply(live() as (...a: unknown[]) => unknown, thisArg, args),
    construct: (_, args, newTarget) => {
      const t = live() as new (...a: unknown[]) => object;
      return Reflect.construct(t, args, newTarget === self ? t : newTarget);
    },
  };
  self = new Proxy(standIn, handler) as T;
  if (callback !== undefined) {
    const token = {};
    callbacks.register(target, { proxy: new WeakRef(self), callback: callback as Callback }, token);
    proxies.register(self, token);
  }
  return self;
}
