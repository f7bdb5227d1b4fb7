/**
 * objgraph's count() and by_type() without a heap snapshot: the inspector's Runtime.queryObjects
 * (the engine behind DevTools' queryObjects() and node's v8.queryObjects) runs a full GC and then
 * walks the heap once, collecting the objects that have a given prototype in their chain. No file
 * is written and nothing is serialized, so the cost is one full GC plus one heap walk.
 *
 * The in-process inspector session is used rather than v8.queryObjects because it works on every
 * supported Node (v8.queryObjects is 20.13+/22+, experimental, warns on first use, and only counts),
 * and because it can hand the objects themselves back (byType).
 */
import * as inspector from 'node:inspector';
import { types as utilTypes } from 'node:util';
import { invalidParameterError, outOfRangeError } from '../core/errors';

// The one global slot used to pass values in and out of the inspector's evaluation. A registered
// symbol, so nothing a service names can collide with it; it is deleted before returning.
const SLOT_NAME = 'afterburner.memory.query';
const SLOT = Symbol.for(SLOT_NAME);
const SLOT_EXPRESSION = `globalThis[Symbol.for(${JSON.stringify(SLOT_NAME)})]`;
const GROUP = 'afterburner-memory-query';

type Slot = Record<symbol, unknown>;

/** A class or function whose `.prototype` instances are looked for, or the name of one. */
export type TypeSpec = string | ((...args: any[]) => unknown) | (abstract new (...args: any[]) => unknown);

export interface QueryOptions {
  /**
   * Only objects whose prototype is exactly the class's `prototype` (objgraph's notion of type).
   * Default false: instances of subclasses count too (`instanceof`).
   */
  exact?: boolean;
}

export interface ByTypeOptions extends QueryOptions {
  /** Return at most this many (the count is unaffected). Default: all. */
  limit?: number;
}

function post<T>(session: inspector.Session, method: string, params: object): T {
  let failure: Error | null = null;
  let answer: unknown;
  // Runtime methods of an in-process session are dispatched synchronously, callback included.
  session.post(method, params, (err: Error | null, result: unknown) => {
    failure = err;
    answer = result;
  });
  if (failure) throw failure;
  if (answer === undefined) throw new Error(`afterburner: the inspector did not answer ${method} synchronously`);
  return answer as T;
}

interface RemoteObject {
  objectId?: string;
}

/** Every live object (of this thread's main context) with `prototype` in its prototype chain. */
function objectsWithPrototype(prototype: object): object[] {
  if (typeof inspector.Session !== 'function') throw new Error('afterburner: counting objects needs node:inspector, which this node was built without');
  const session = new inspector.Session();
  session.connect();
  const slot = globalThis as unknown as Slot;
  try {
    slot[SLOT] = prototype;
    const { result } = post<{ result: RemoteObject }>(session, 'Runtime.evaluate', { expression: SLOT_EXPRESSION, objectGroup: GROUP, silent: true });
    delete slot[SLOT];
    if (!result.objectId) throw new Error('afterburner: the inspector could not reference the prototype');
    const { objects } = post<{ objects: RemoteObject }>(session, 'Runtime.queryObjects', { prototypeObjectId: result.objectId, objectGroup: GROUP });
    if (!objects.objectId) throw new Error('afterburner: Runtime.queryObjects returned no array');
    post(session, 'Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: `function () { ${SLOT_EXPRESSION} = this; }`,
      objectGroup: GROUP,
      silent: true,
    });
    const found = slot[SLOT];
    if (!Array.isArray(found)) throw new Error('afterburner: Runtime.queryObjects did not hand back its array');
    return found as object[];
  } finally {
    delete slot[SLOT];
    try {
      post(session, 'Runtime.releaseObjectGroup', { objectGroup: GROUP });
    } finally {
      session.disconnect();
    }
  }
}

function dataValue(obj: object, key: string): unknown {
  // Descriptors, not property reads: no getter or proxy trap of the service's runs during a count.
  const d = Object.getOwnPropertyDescriptor(obj, key);
  return d && 'value' in d ? d.value : undefined;
}

/** `C.prototype` of a class-like function, or undefined (arrows, bound and builtin methods have none). */
function prototypeOf(fn: object): object | undefined {
  if (utilTypes.isProxy(fn)) return undefined;
  const p = dataValue(fn, 'prototype');
  return typeof p === 'object' && p !== null ? p : undefined;
}

/** True for `Sub.prototype` and the like: its prototype chain contains the class's, but it is no instance. */
function isPrototypeObject(obj: object): boolean {
  const ctor = dataValue(obj, 'constructor');
  return typeof ctor === 'function' && !utilTypes.isProxy(ctor) && dataValue(ctor, 'prototype') === obj;
}

/** The classes a type spec stands for: the function itself, or every live function with that name. */
function resolve(type: unknown, name: string): { label: string; prototypes: object[] } {
  if (typeof type === 'function') {
    const prototype = prototypeOf(type);
    if (!prototype) throw invalidParameterError(name, 'a class or a function with a prototype object (or a constructor name)', type);
    return { label: (dataValue(type, 'name') as string) || '(anonymous)', prototypes: [prototype] };
  }
  if (typeof type !== 'string' || type === '') throw invalidParameterError(name, 'a class, a constructor function or a constructor name', type);
  const prototypes: object[] = [];
  for (const fn of objectsWithPrototype(Function.prototype)) {
    if (typeof fn !== 'function' || dataValue(fn, 'name') !== type) continue;
    const prototype = prototypeOf(fn);
    if (prototype && !prototypes.includes(prototype)) prototypes.push(prototype);
  }
  return { label: type, prototypes };
}

function readOptions(options: unknown): { exact: boolean; limit: number } {
  if (options === undefined) return { exact: false, limit: Infinity };
  if (typeof options !== 'object' || options === null) throw invalidParameterError('options', 'an object or undefined', options);
  const o = options as Record<string, unknown>;
  if (o.exact !== undefined && typeof o.exact !== 'boolean') throw invalidParameterError('options.exact', 'a boolean', o.exact);
  const limit = o.limit;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) throw outOfRangeError('options.limit', 'a non-negative integer', limit);
  return { exact: o.exact === true, limit: limit === undefined ? Infinity : (limit as number) };
}

/** The live instances of `type`, deduplicated across the classes a name may stand for. */
function instances(type: unknown, options: unknown, name: string): { label: string; objects: object[] } {
  const opts = readOptions(options);
  const { label, prototypes } = resolve(type, name);
  const seen = new Set<object>();
  const objects: object[] = [];
  for (const prototype of prototypes) {
    for (const obj of objectsWithPrototype(prototype)) {
      if (seen.has(obj)) continue;
      seen.add(obj);
      if ((opts.exact && Object.getPrototypeOf(obj) !== prototype) || isPrototypeObject(obj)) continue;
      objects.push(obj);
    }
  }
  return { label, objects };
}

/**
 * How many live instances of `type` there are, like objgraph's count(typename). `type` is a class
 * (or constructor function), or a constructor name: every live function of that name counts then,
 * as mostCommonTypes() groups by name. Runs a full GC first, so only reachable objects count.
 * Synchronous and blocking for one full GC and one heap walk (per class a name stands for, plus
 * one to find the classes by name); no heap snapshot. Subclass instances count unless
 * `{ exact: true }`.
 */
export function count(type: TypeSpec, options?: QueryOptions): number {
  return instances(type, options, 'type').objects.length;
}

/**
 * The live instances of `type` themselves, like objgraph's by_type(typename): to find the one
 * singleton, or look at leaked connections. The array holds them strongly: drop it when done.
 * Same cost and options as count(), plus `limit`.
 */
export function byType<T = object>(type: TypeSpec, options?: ByTypeOptions): T[] {
  const { limit } = readOptions(options);
  const { objects } = instances(type, options, 'type');
  return (objects.length > limit ? objects.slice(0, limit) : objects) as T[];
}

/** Counts for growth(): one query per named type; labels are the names the caller gave. */
export function countTypes(types: readonly unknown[], options: QueryOptions): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < types.length; i++) {
    const { label, objects } = instances(types[i], options, `options.types[${i}]`);
    counts.set(label, (counts.get(label) ?? 0) + objects.length);
  }
  return counts;
}
