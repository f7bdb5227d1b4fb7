/**
 * Weak handlers: listeners that reach their owner through a WeakRef, so registering one on a
 * long-lived emitter does not keep the owner alive.
 */
import { invalidParameterError } from '../core/errors';
import { hold, type Cell } from './hold';

/** A method name of the target, or a function called with `this` = target. */
export type WeakMethod = string | symbol | ((...args: any[]) => unknown);

export type AnyFunction = (...args: any[]) => unknown;

export function checkTarget(target: unknown, name = 'target'): asserts target is object {
  if ((typeof target !== 'object' && typeof target !== 'function') || target === null) {
    throw invalidParameterError(name, 'an object (the owner held weakly)', target);
  }
}

export function checkMethod(target: object, method: unknown, name = 'method'): asserts method is WeakMethod {
  if (typeof method === 'function') return;
  if (typeof method === 'string' || typeof method === 'symbol') {
    if (typeof (target as Record<string | symbol, unknown>)[method] !== 'function') {
      throw invalidParameterError(name, `the name of a method of target (target[${String(method)}] is not a function)`, method);
    }
    return;
  }
  throw invalidParameterError(name, 'a method name (string or symbol) or a function', method);
}


/**
 * Returns a function that calls `target[method](...args)` (or `method.apply(target, args)` when
 * `method` is a function) while `target` is alive, and does nothing (returns undefined) once it has
 * been collected. The method name is looked up at call time, so a replaced method is honoured.
 *
 * The returned function holds `target` only through a WeakRef. A `method` function that itself
 * closes over `target` (an arrow function written inside the target's constructor, or
 * `target.fn.bind(target)`) would keep it alive: pass the name, or a function that uses `this`.
 */
export function weakHandler<T extends object>(target: T, method: WeakMethod): (...args: any[]) => unknown {
  checkTarget(target);
  checkMethod(target, method);
  const ref = new WeakRef(target);
  const cell: Cell = { target: undefined };
  if (typeof method === 'function') {
    const fn = method;
    return function weakHandler(...args: any[]): unknown {
      const owner = cell.target ?? hold(cell, ref);
      if (owner === undefined) return undefined;
      return fn.apply(owner, args);
    };
  }
  const name = method;
  return function weakHandler(...args: any[]): unknown {
    const owner = (cell.target ?? hold(cell, ref)) as Record<string | symbol, AnyFunction> | undefined;
    if (owner === undefined) return undefined;
    return owner[name](...args);
  };
}
