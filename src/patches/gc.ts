/**
 * gc patch: applies the part of a gc profile that works after start (malloc arena limit, idle
 * malloc_trim, allow-listed V8 flags, GC accounting) and reports, setting by setting, what was
 * applied, what needs the start-time launcher (with the exact line), and what was left alone
 * because the running runtime already does it.
 */
import { isMainThread } from 'node:worker_threads';
import type { InstallContext, Patch, PatchStatus } from '../core/patch';
import { errorMessage } from '../core/errors';
import { log } from '../core/log';
import { startAccounting, stopAccounting, gcStats } from '../gc/accounting';
import { setRuntimeFlag } from '../gc/flags';
import { lineFor } from '../gc/lines';
import { parseSize } from '../gc/limits';
import { arenaCount, type MallocBinding } from '../gc/memory';
import { DEFAULT_PROFILE, PROFILES, planFor, type Plan, type Profile, type Setting } from '../gc/profiles';
import { newSpaceMB } from '../gc/runtime';
import { disableTrimmer, startTrimmer, stopTrimmer, trimStats } from '../gc/trim';

export interface AppliedSetting {
  setting: string;
  how: string;
  note?: string;
}
export interface MissingSetting {
  setting: string;
  reason: string;
  line: string;
}
export interface LeftAloneSetting {
  setting: string;
  because: string;
}

interface State {
  plan: Plan;
  applied: AppliedSetting[];
  missing: MissingSetting[];
  leftAlone: LeftAloneSetting[];
  arenas: Record<string, unknown>;
  runtimeFlags: string[];
}

let state: State | undefined;

function profileFrom(ctx: InstallContext): Profile {
  const fromOptions = ctx.options?.profile;
  if (fromOptions !== undefined) {
    if (typeof fromOptions === 'string' && (PROFILES as readonly string[]).includes(fromOptions)) return fromOptions as Profile;
    log.warn(`ignoring install({ gc: { profile: ${JSON.stringify(fromOptions)} } }): accepted values are ${PROFILES.join(', ')}; using the default (${DEFAULT_PROFILE})`);
  }
  if (ctx.mode && (PROFILES as readonly string[]).includes(ctx.mode)) return ctx.mode as Profile;
  if (ctx.mode !== undefined) log.warn(`ignoring gc profile ${JSON.stringify(ctx.mode)}: accepted values are ${PROFILES.join(', ')}; using the default (${DEFAULT_PROFILE})`);
  return DEFAULT_PROFILE;
}

/** `install({ gc: { trimIntervalS } })` shortens or lengthens the idle-trim spacing (1 s to 1 h). */
function trimInterval(ctx: InstallContext, fallback: number): number {
  const value = ctx.options?.trimIntervalS;
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= 3600) return value;
  log.warn(`ignoring install({ gc: { trimIntervalS: ${JSON.stringify(value)} } }): accepted values are a number of seconds from 1 to 3600; using the default (${fallback})`);
  return fallback;
}

function startedWith(setting: Setting, plan: Plan): string | undefined {
  if (!setting.flag) return undefined;
  const value = plan.flags.values.get(setting.flag);
  if (value === undefined) return undefined;
  return value === String(setting.value) ? `${setting.flag}=${value} (${plan.flags.origin.get(setting.flag)})` : undefined;
}

function applyArenaLimit(setting: Setting, ctx: InstallContext, s: State): void {
  const limit = setting.value as number;
  const atStart = process.env.MALLOC_ARENA_MAX;
  if (atStart !== undefined && atStart.trim() !== '') {
    // glibc read it before any JS ran; the user's (or the launcher's) value wins over the profile's.
    s.arenas = { limit: Number(atStart), from: `MALLOC_ARENA_MAX=${atStart} at start` };
    if (Number(atStart) === limit) s.applied.push({ setting: setting.text, how: 'at start (MALLOC_ARENA_MAX in the environment)' });
    else s.leftAlone.push({ setting: setting.text, because: `MALLOC_ARENA_MAX=${atStart} was set at start and is kept` });
    return;
  }
  if (!isMainThread) {
    s.arenas = { limit, from: 'main thread (process-wide setting)' };
    return;
  }
  const native = ctx.native();
  const malloc = native?.malloc as MallocBinding | undefined;
  if (!malloc || typeof malloc.setArenaMax !== 'function') {
    const why = !native ? (ctx.nativeError() ?? 'native addon unavailable') : 'not glibc: there are no malloc arenas to limit';
    s.arenas = { limit, applied: false, reason: why };
    s.missing.push({ setting: setting.text, reason: `the run-time arena limit needs the native addon (${why}); the environment variable works without it`, line: lineFor(setting, s.plan.major) });
    return;
  }
  const before = arenaCount(malloc);
  const ok = malloc.setArenaMax(limit);
  const after = arenaCount(malloc);
  // glibc fixes its own limit (8 x cores) once more than 8 arenas exist; mallopt cannot lower it then.
  const tooLate = before !== undefined && before > limit;
  s.arenas = { limit, applied: ok, before: before ?? null, after: after ?? null, ...(tooLate ? { note: `${before} arenas already existed: the limit only stops new ones` } : {}) };
  if (!ok) {
    s.missing.push({ setting: setting.text, reason: 'mallopt(M_ARENA_MAX) was refused', line: lineFor(setting, s.plan.major) });
  } else {
    s.applied.push({
      setting: setting.text,
      how: 'at run time (mallopt M_ARENA_MAX, before any threadpool work)',
      ...(tooLate ? { note: `${before} arenas already existed; start with ${lineFor(setting, s.plan.major)} to cap them from the first thread` } : {}),
    });
  }
}

function install(ctx: InstallContext): PatchStatus {
  const limitText = ctx.env.env.AFTERBURNER_GC_MEMORY_LIMIT;
  if (limitText !== undefined && limitText.trim() !== '' && parseSize(limitText) === undefined) {
    ctx.env.warnings.push({
      variable: 'AFTERBURNER_GC_MEMORY_LIMIT',
      value: limitText,
      message: `ignoring AFTERBURNER_GC_MEMORY_LIMIT=${JSON.stringify(limitText.trim())}: accepted values are a size of at least 16 MB in bytes or with a k/m/g suffix (e.g. 512m); using the default (detected)`,
    });
  }
  const profile = profileFrom(ctx);
  const plan = planFor(profile, { env: ctx.env.env });
  const s: State = { plan, applied: [], missing: [], leftAlone: [], arenas: {}, runtimeFlags: [] };
  state = s;
  // The arena limit first: every thread that mallocs before it may get its own arena.
  const arena = plan.settings.find((x) => x.key === 'arena-max');
  if (arena?.decision === 'set') applyArenaLimit(arena, ctx, s);
  startAccounting();
  for (const setting of plan.settings) {
    if (setting.key === 'arena-max' && setting.decision === 'set') continue;
    if (setting.decision === 'left alone') {
      s.leftAlone.push({ setting: setting.text, because: setting.because ?? '' });
      continue;
    }
    if (setting.stage === 'start') {
      const already = startedWith(setting, plan);
      if (already) s.applied.push({ setting: setting.text, how: `at start: ${already}` });
      else s.missing.push({ setting: setting.text, reason: `${setting.reason}; only takes effect when the process starts`, line: lineFor(setting, plan.major) });
      continue;
    }
    if (setting.key === 'optimize-for-size') {
      if (!isMainThread) continue; // V8 flags are process-wide: the main thread sets them.
      try {
        setRuntimeFlag('--optimize-for-size');
        s.runtimeFlags.push('--optimize-for-size');
        s.applied.push({ setting: setting.text, how: 'at run time (v8.setFlagsFromString, allow-listed)' });
      } catch (err) {
        s.missing.push({ setting: setting.text, reason: errorMessage(err), line: 'node --optimize-for-size <script>' });
      }
      continue;
    }
    if (setting.key === 'trim') {
      const malloc = isMainThread ? (ctx.native()?.malloc as MallocBinding | undefined) : undefined;
      if (!isMainThread) disableTrimmer('trimming runs on the main thread only', setting.value);
      else if (!malloc || typeof malloc.trim !== 'function' || typeof malloc.mallinfo2 !== 'function') {
        const why = ctx.nativeError() ?? 'not glibc: no malloc_trim';
        disableTrimmer(why, setting.value);
        s.missing.push({ setting: setting.text, reason: `needs the native addon on glibc (${why})`, line: 'npm run build:native' });
      } else {
        startTrimmer({ trim: (pad) => malloc.trim!(pad), mallinfo2: () => malloc.mallinfo2!() }, trimInterval(ctx, setting.value as number));
        s.applied.push({ setting: setting.text, how: 'at run time (unref\'d timer, only when the event loop is idle)' });
      }
    }
  }
  return status();
}

function status(): PatchStatus {
  const s = state;
  if (!s) return { active: false, reason: 'not installed' };
  const { plan } = s;
  return {
    active: true,
    profile: plan.profile,
    ...(s.missing.length
      ? { reason: `missing: ${s.missing.map((m) => m.line).join('; ')} (or start with "npx afterburner --profile ${plan.profile} <script>")` }
      : {}),
    memory: { limitMB: Math.round(plan.memory.bytes / 2 ** 20), source: plan.memory.source },
    runtime: {
      node: process.version,
      maxSemiSpaceMB: plan.young.maxSemiSpaceMB,
      youngSource: plan.young.source,
      heapSizeLimitMB: Math.round(plan.young.heapSizeLimitMB),
      newSpaceMB: Math.round(newSpaceMB() * 100) / 100,
    },
    applied: s.applied,
    missing: s.missing,
    leftAlone: s.leftAlone,
    arenas: s.arenas,
    trim: trimStats(),
    runtimeFlags: s.runtimeFlags,
    stats: gcStats(),
  };
}

export const gcPatch: Patch = {
  name: 'gc',
  envVar: 'AFTERBURNER_GC',
  defaultOn: true,
  modes: PROFILES,
  install,
  uninstall(): void {
    stopTrimmer();
    stopAccounting();
    if (state?.runtimeFlags.includes('--optimize-for-size')) {
      try {
        setRuntimeFlag('--no-optimize-for-size');
      } catch {
        // Allow-listed; a failure here would only mean the flag stays, which is harmless.
      }
    }
    // The arena limit cannot be undone (glibc accepts only positive limits); it only shapes new arenas.
    state = undefined;
  },
  status,
};
