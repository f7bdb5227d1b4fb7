/**
 * One require-in-the-middle hook for every framework integration, created when the first
 * integration is enabled (its cost is one wrapper around `Module.prototype.require`; the
 * framework code itself is only touched when the framework loads).
 *
 * Frameworks are CommonJS packages even when a service imports them from ESM: Node's ESM loader
 * runs a CommonJS package through the CommonJS loader, so the internal `require()` calls this hook
 * watches happen either way (test 52 and 53 import the frameworks from an .mjs service).
 */
import * as path from 'node:path';

export type OnLoad = (exports: unknown, basedir: string) => unknown;

interface RitmHook {
  unhook(): void;
}

// Keys are package-relative ids without extension, as require-in-the-middle names internal files.
const targets = new Map<string, OnLoad>();
let hook: RitmHook | undefined;

function onRequire(exports: unknown, name: string, basedir?: string): unknown {
  const target = targets.get(name.split(path.sep).join('/'));
  if (!target || basedir === undefined) return exports;
  return target(exports, basedir);
}

/** Calls `onLoad` with the module's exports (and its package directory) when it is first required. */
export function watch(ids: Record<string, OnLoad>): void {
  for (const [id, onLoad] of Object.entries(ids)) targets.set(id, onLoad);
  if (hook) {
    // require-in-the-middle reads its list at construction: a new list needs a new hook.
    hook.unhook();
    hook = undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Hook } = require('require-in-the-middle') as { Hook: new (modules: string[], onrequire: typeof onRequire) => RitmHook };
  hook = new Hook([...targets.keys()], onRequire);
}

export function unwatchAll(): void {
  targets.clear();
  hook?.unhook();
  hook = undefined;
}

/** The package.json version of a package directory, or undefined. */
export function packageVersion(basedir: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require(path.join(basedir, 'package.json')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a file of a package was loaded before the hook existed (then it is left alone). */
export function loadedBefore(suffix: string): string | undefined {
  const tail = suffix.split('/').join(path.sep);
  return Object.keys(require.cache).find((file) => file.endsWith(tail));
}
