/**
 * Installs, removes and reports the patches. Owns everything that is the same for every patch:
 * env switches, once-per-thread installation, error isolation (a failing patch is logged and left
 * inactive, never thrown into the host service) and the debug lines.
 */
import { EnvReader, OFF_WORDS, readGlobalConfig, type Env } from './config';
import { errorMessage } from './errors';
import { log, setLogLevel, type LogLevel } from './log';
import { loadNative, nativeStatus, type NativeStatus } from './native';
import type { Patch, PatchName, PatchStatus } from './patch';

/**
 * Order matters: gc first, so the malloc arena limit lands before any threadpool work.
 * Patch modules load on first use: with `AFTERBURNER=0` the register costs a few small modules,
 * not every patch and the native addon.
 */
const PATCH_LOADERS: ReadonlyArray<readonly [PatchName, () => Patch]> = [
  ['gc', () => (require('../patches/gc') as typeof import('../patches/gc')).gcPatch],
  ['json', () => (require('../patches/json') as typeof import('../patches/json')).jsonPatch],
  ['timers', () => (require('../patches/timers') as typeof import('../patches/timers')).timersPatch],
  ['weak', () => (require('../patches/weak') as typeof import('../patches/weak')).weakPatch],
  ['frameworks', () => (require('../integrations') as typeof import('../integrations')).frameworksPatch],
];
export const PATCH_NAMES: readonly PatchName[] = PATCH_LOADERS.map(([name]) => name);

const loaded = new Map<PatchName, Patch>();
function patchNamed(name: PatchName): Patch {
  let patch = loaded.get(name);
  if (!patch) {
    patch = PATCH_LOADERS.find(([n]) => n === name)![1]();
    loaded.set(name, patch);
  }
  return patch;
}

export type PatchOption = boolean | string | Record<string, unknown>;

export interface InstallOptions {
  json?: PatchOption;
  timers?: PatchOption;
  gc?: PatchOption;
  weak?: PatchOption;
  /** `{ only: ['fastify', 'body-parser'] }` selects integrations; AFTERBURNER_FASTIFY etc. otherwise. */
  frameworks?: PatchOption;
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
        // worker_threads only on this path: loading it costs about 2 MB of RSS at start.
        if ((require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) log.warnOnce('native', message);
        else log.debug(message);
      }
      return binding;
    },
    nativeError: () => (loadNative() ? undefined : nativeStatus().error),
  };
}

export function install(options: InstallOptions = {}): Status {
  applyPatches(options);
  return status();
}

/** What `install()` does, without building the status (which would load the native addon). */
export function applyPatches(options: InstallOptions = {}): void {
  const s = state();
  const reader = new EnvReader(options.env ?? process.env);
  const global = readGlobalConfig(reader);
  setLogLevel(options.log ?? global.logLevel);
  if (s.installed) {
    log.debug('already installed in this thread; nothing to do');
    return;
  }
  s.installed = true;
  s.active.clear();
  s.inactive.clear();

  const accessors = nativeAccessors();
  for (const name of PATCH_NAMES) {
    const option = options[name];
    if (!global.enabled && option === undefined) {
      s.inactive.set(name, { active: false, reason: 'disabled by AFTERBURNER=0' });
      log.debug(`${name}: skipped (disabled by AFTERBURNER=0)`);
      continue;
    }
    // A patch switched off by its variable is not even loaded (every patch's variable is
    // AFTERBURNER_<NAME>): its modules would cost memory for nothing.
    const envVar = `AFTERBURNER_${name.toUpperCase()}`;
    if (option === undefined && (OFF_WORDS as readonly string[]).includes((reader.env[envVar] ?? '').trim().toLowerCase())) {
      const why = `disabled by ${envVar}`;
      s.inactive.set(name, { active: false, reason: why });
      log.debug(`${name}: skipped (${why})`);
      continue;
    }
    const patch = patchNamed(name);
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
}

export function uninstall(): Status {
  const s = state();
  for (const name of [...PATCH_NAMES].reverse()) {
    if (!s.active.has(name)) continue;
    const patch = patchNamed(name);
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
  // register.js loads nothing under AFTERBURNER=0, so nothing recorded why: say it here.
  const offByEnv = !s.installed && (OFF_WORDS as readonly string[]).includes(String(process.env.AFTERBURNER ?? '').trim().toLowerCase());
  for (const name of PATCH_NAMES) {
    if (s.active.has(name)) {
      try {
        result[name] = patchNamed(name).status();
      } catch (err) {
        result[name] = { active: true, reason: `status unavailable: ${errorMessage(err)}` };
      }
    } else {
      result[name] = s.inactive.get(name) ?? { active: false, reason: offByEnv ? 'disabled by AFTERBURNER=0' : 'not installed' };
    }
  }
  result.native = nativeStatus();
  return result;
}
