/**
 * Installs, removes and reports the patches. Owns everything that is the same for every patch:
 * env switches, once-per-thread installation, error isolation (a failing patch is logged and left
 * inactive, never thrown into the host service) and the debug lines.
 */
import { isMainThread } from 'node:worker_threads';
import { EnvReader, readGlobalConfig, type Env } from './config';
import { errorMessage } from './errors';
import { log, setLogLevel, type LogLevel } from './log';
import { loadNative, nativeStatus, type NativeStatus } from './native';
import type { Patch, PatchName, PatchStatus } from './patch';
import { gcPatch } from '../patches/gc';
import { jsonPatch } from '../patches/json';
import { timersPatch } from '../patches/timers';
import { weakPatch } from '../patches/weak';

/** Order matters: gc first, so the malloc arena limit lands before any threadpool work. */
export const PATCHES: readonly Patch[] = [gcPatch, jsonPatch, timersPatch, weakPatch];

export type PatchOption = boolean | string | Record<string, unknown>;

export interface InstallOptions {
  json?: PatchOption;
  timers?: PatchOption;
  gc?: PatchOption;
  weak?: PatchOption;
  /** Overrides AFTERBURNER_LOG. */
  log?: LogLevel;
  /** Environment to read instead of process.env (mostly for tests). */
  env?: Env;
}

export type Status = Record<PatchName, PatchStatus> & { native: NativeStatus; installed: boolean };

interface State {
  installed: boolean;
  active: Set<PatchName>;
  inactive: Map<PatchName, PatchStatus>;
}

// Shared through globalThis so that two copies of the package in one thread (a hoisting accident,
// or --require plus a bundled copy) still install once. Each worker thread has its own globalThis.
const STATE_KEY = Symbol.for('afterburner.registry.v1');
const holder = globalThis as unknown as Record<symbol, State | undefined>;
function state(): State {
  return (holder[STATE_KEY] ??= { installed: false, active: new Set(), inactive: new Map() });
}

function nativeAccessors(): { native: () => ReturnType<typeof loadNative>; nativeError: () => string | undefined } {
  return {
    native: () => {
      const binding = loadNative();
      if (!binding) {
        const message = `${nativeStatus().error}; patches that need it fall back to the builtins`;
        if (isMainThread) log.warnOnce('native', message);
        else log.debug(message);
      }
      return binding;
    },
    nativeError: () => (loadNative() ? undefined : nativeStatus().error),
  };
}

export function install(options: InstallOptions = {}): Status {
  const s = state();
  const reader = new EnvReader(options.env ?? process.env);
  const global = readGlobalConfig(reader);
  setLogLevel(options.log ?? global.logLevel);
  if (s.installed) {
    log.debug('already installed in this thread; nothing to do');
    return status();
  }
  s.installed = true;
  s.active.clear();
  s.inactive.clear();

  const accessors = nativeAccessors();
  for (const patch of PATCHES) {
    const option = options[patch.name];
    const fromEnv = reader.switchOrMode(patch.envVar, patch.defaultOn, patch.modes ?? []);
    let enabled = global.enabled && fromEnv.enabled;
    let mode = fromEnv.mode;
    let patchOptions: Record<string, unknown> | undefined;
    let why = !global.enabled ? 'disabled by AFTERBURNER=0' : `disabled by ${patch.envVar}`;
    if (option !== undefined) {
      if (typeof option === 'boolean') enabled = option;
      else if (typeof option === 'string') {
        enabled = option !== 'off';
        mode = option === 'on' || option === 'off' ? undefined : option;
      } else {
        enabled = true;
        patchOptions = option;
      }
      why = 'disabled by install() options';
    }
    if (!enabled) {
      s.inactive.set(patch.name, { active: false, reason: why });
      log.debug(`${patch.name}: skipped (${why})`);
      continue;
    }
    let result: PatchStatus;
    try {
      result = patch.install({ mode, env: reader, options: patchOptions, ...accessors });
    } catch (err) {
      try {
        patch.uninstall();
      } catch {
        // The patch already failed; its own cleanup failing too must not escape either.
      }
      result = { active: false, reason: `install failed: ${errorMessage(err)}` };
      log.warn(`${patch.name} patch not applied: ${errorMessage(err)}`);
    }
    if (result.active) {
      s.active.add(patch.name);
      log.debug(`${patch.name}: applied${result.reason ? ` (${result.reason})` : ''}`);
    } else {
      s.inactive.set(patch.name, result);
      log.debug(`${patch.name}: skipped (${result.reason ?? 'no reason given'})`);
    }
  }
  for (const warning of reader.warnings) log.warn(warning.message);
  return status();
}

export function uninstall(): Status {
  const s = state();
  for (const patch of [...PATCHES].reverse()) {
    if (!s.active.has(patch.name)) continue;
    try {
      patch.uninstall();
      log.debug(`${patch.name}: removed`);
    } catch (err) {
      log.warn(`${patch.name} patch could not be removed cleanly: ${errorMessage(err)}`);
    }
  }
  s.installed = false;
  s.active.clear();
  s.inactive.clear();
  return status();
}

export function status(): Status {
  const s = state();
  const result = { installed: s.installed } as Status;
  for (const patch of PATCHES) {
    if (s.active.has(patch.name)) {
      try {
        result[patch.name] = patch.status();
      } catch (err) {
        result[patch.name] = { active: true, reason: `status unavailable: ${errorMessage(err)}` };
      }
    } else {
      result[patch.name] = s.inactive.get(patch.name) ?? { active: false, reason: 'not installed' };
    }
  }
  result.native = nativeStatus();
  return result;
}
