/**
 * IterableWeakSet: Python's weakref.WeakSet. Members are held weakly, like a WeakSet, but the set
 * can be iterated and counted. Everything observable (has, size, iteration) only ever shows live
 * members, whether or not the finalizer that drops a collected one has run yet.
 */
import { invalidParameterError } from '../core/errors';

export class IterableWeakSet<T extends object> {
  // Insertion order, for iteration; the WeakMap finds a member's ref without holding the member.
  readonly #refs = new Set<WeakRef<T>>();
  #index = new WeakMap<T, WeakRef<T>>();
  readonly #registry = new FinalizationRegistry<WeakRef<T>>((ref) => {
    this.#refs.delete(ref);
  });

  constructor(values?: Iterable<T> | null) {
    if (values !== undefined && values !== null) {
      for (const value of values) this.add(value);
    }
  }

  add(value: T): this {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
      throw invalidParameterError('value', 'an object (IterableWeakSet holds its members weakly)', value);
    }
    if (this.#index.has(value)) return this;
    const ref = new WeakRef(value);
    this.#index.set(value, ref);
    this.#refs.add(ref);
    this.#registry.register(value, ref, ref);
    return this;
  }

  has(value: T): boolean {
    return (typeof value === 'object' || typeof value === 'function') && value !== null && this.#index.has(value);
  }

  delete(value: T): boolean {
    if (!this.has(value)) return false;
    const ref = this.#index.get(value)!;
    this.#index.delete(value);
    this.#refs.delete(ref);
    this.#registry.unregister(ref);
    return true;
  }

  clear(): void {
    for (const ref of this.#refs) this.#registry.unregister(ref);
    this.#refs.clear();
    // A WeakMap cannot be cleared: a fresh one forgets every member at once.
    this.#index = new WeakMap();
  }

  /** Live members only. O(n): members found collected on the way are dropped. */
  get size(): number {
    let n = 0;
    for (const value of this.values()) if (value !== undefined) n++;
    return n;
  }

  *values(): IterableIterator<T> {
    for (const ref of this.#refs) {
      const value = ref.deref();
      if (value !== undefined) yield value;
      else {
        // Collected, finalizer not run yet (its WeakMap entry went with the member).
        this.#refs.delete(ref);
        this.#registry.unregister(ref);
      }
    }
  }

  keys(): IterableIterator<T> {
    return this.values();
  }

  *entries(): IterableIterator<[T, T]> {
    for (const value of this.values()) yield [value, value];
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.values();
  }

  forEach(callback: (value: T, key: T, set: this) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw invalidParameterError('callback', 'a function', callback);
    for (const value of this.values()) callback.call(thisArg, value, value, this);
  }

  get [Symbol.toStringTag](): string {
    return 'IterableWeakSet';
  }
}
