/**
 * WeakValueMap: Python's WeakValueDictionary. Keys are held strongly, values weakly; an entry
 * disappears once its value has been collected. Everything observable (get, has, size, iteration)
 * only ever shows live entries, whether or not the finalizer has run yet.
 */
import { invalidParameterError } from '../core/errors';

interface Held<K> {
  key: K;
  ref: WeakRef<object>;
}

export class WeakValueMap<K, V extends object> {
  readonly #map = new Map<K, WeakRef<V>>();
  // The held value names the WeakRef it was registered for: a key that was overwritten (or deleted
  // and set again) since must not lose its new entry to the old value's finalizer.
  readonly #registry = new FinalizationRegistry<Held<K>>((held) => {
    if (this.#map.get(held.key) === held.ref) this.#map.delete(held.key);
  });

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    if (entries !== undefined && entries !== null) {
      for (const [key, value] of entries) this.set(key, value);
    }
  }

  get(key: K): V | undefined {
    return this.#map.get(key)?.deref();
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): this {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
      throw invalidParameterError('value', 'an object (WeakValueMap holds values weakly)', value);
    }
    const old = this.#map.get(key);
    if (old !== undefined) {
      if (old.deref() === value) return this;
      this.#registry.unregister(old);
    }
    const ref = new WeakRef(value);
    this.#map.set(key, ref);
    this.#registry.register(value, { key, ref }, ref);
    return this;
  }

  delete(key: K): boolean {
    const ref = this.#map.get(key);
    if (ref === undefined) return false;
    this.#map.delete(key);
    this.#registry.unregister(ref);
    return ref.deref() !== undefined;
  }

  clear(): void {
    for (const ref of this.#map.values()) this.#registry.unregister(ref);
    this.#map.clear();
  }

  /** Live entries only. O(n): dead entries found on the way are dropped. */
  get size(): number {
    let n = 0;
    for (const [key, ref] of this.#map) {
      if (ref.deref() !== undefined) n++;
      else this.#drop(key, ref);
    }
    return n;
  }

  #drop(key: K, ref: WeakRef<V>): void {
    this.#map.delete(key);
    this.#registry.unregister(ref);
  }

  *entries(): IterableIterator<[K, V]> {
    for (const [key, ref] of this.#map) {
      const value = ref.deref();
      if (value !== undefined) yield [key, value];
      else this.#drop(key, ref);
    }
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: this) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw invalidParameterError('callback', 'a function', callback);
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  get [Symbol.toStringTag](): string {
    return 'WeakValueMap';
  }
}
