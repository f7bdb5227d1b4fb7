/**
 * The weak patch installs two conveniences on the builtin prototypes (non-enumerable, so no
 * `for...in` or object spread ever sees them):
 *   emitter.onWeak(event, target, method, options?)          -> unsubscribe()
 *   eventTarget.addWeakListener(type, target, method, options?) -> unsubscribe()
 * Both are `onWeak` from `afterburner.weak`, which works without the patch. Uninstall puts back
 * exactly what was there before (nothing, or a previous own property's descriptor).
 */
import { EventEmitter } from 'node:events';
import type { Patch, PatchStatus } from '../core/patch';
import { log } from '../core/log';
import { onWeak, weakListenerStats, type OnWeakOptions } from '../weak/on-weak';
import type { WeakMethod } from '../weak/handler';

interface Installed {
  owner: object;
  key: string;
  previous: PropertyDescriptor | undefined;
  value: unknown;
}

let installed: Installed[] = [];

function emitterOnWeak(this: EventEmitter, event: string | symbol, target: object, method: WeakMethod, options?: OnWeakOptions): () => boolean {
  return onWeak(this, event, target, method, options);
}

function addWeakListener(this: EventTarget, type: string, target: object, method: WeakMethod, options?: OnWeakOptions): () => boolean {
  return onWeak(this, type, target, method, options);
}

function define(owner: object, key: string, value: unknown, label: string): void {
  const previous = Object.getOwnPropertyDescriptor(owner, key);
  if (previous) log.debug(`weak: ${label}.${key} already existed; it is replaced and restored on uninstall`);
  Object.defineProperty(owner, key, { value, writable: true, configurable: true, enumerable: false });
  installed.push({ owner, key, previous, value });
}

export const weakPatch: Patch = {
  name: 'weak',
  envVar: 'AFTERBURNER_WEAK',
  defaultOn: true,
  install(): PatchStatus {
    if (installed.length) return weakPatch.status();
    define(EventEmitter.prototype, 'onWeak', emitterOnWeak, 'EventEmitter.prototype');
    if (typeof globalThis.EventTarget === 'function') define(globalThis.EventTarget.prototype, 'addWeakListener', addWeakListener, 'EventTarget.prototype');
    return weakPatch.status();
  },
  uninstall(): void {
    for (const entry of installed.reverse()) {
      const current = Object.getOwnPropertyDescriptor(entry.owner, entry.key);
      // Someone replaced our method after install: theirs stays, and we only forget ours.
      if (!current || current.value !== entry.value) continue;
      if (entry.previous) Object.defineProperty(entry.owner, entry.key, entry.previous);
      else delete (entry.owner as Record<string, unknown>)[entry.key];
    }
    installed = [];
  },
  status(): PatchStatus {
    if (!installed.length) return { active: false, reason: 'not installed' };
    return {
      active: true,
      installed: installed.map((e) => `${e.key === 'onWeak' ? 'EventEmitter' : 'EventTarget'}.prototype.${e.key}`),
      listeners: weakListenerStats(),
    };
  },
};
