/**
 * The gc profiles: what each one wants, sized from the memory available to the process, and the
 * plan that compares that intent with what the running runtime already does. Only what differs is
 * set; everything else is reported as "left alone" with the reason.
 */
import * as os from 'node:os';
import { EnvReader, OFF_WORDS, ON_WORDS, type Env } from '../core/config';
import { memoryLimit, parseSize, type MemoryLimit } from './limits';
import { flagsInEffect, numericFlag, runningMajor, youngGeneration, type FlagsInEffect, type YoungGeneration } from './runtime';

export const PROFILES = ['throughput', 'balanced', 'memory'] as const;
export type Profile = (typeof PROFILES)[number];
export const DEFAULT_PROFILE: Profile = 'balanced';

const MB = 2 ** 20;

/** What each profile is for; printed by `afterburner env` and in the README. */
export const PROFILE_INTENT: Record<Profile, string> = {
  throughput:
    'fewest collections: a young generation sized for the memory available (up to 64 MB semi-spaces, started at full size) so short-lived objects die without being scavenged again; one malloc arena per thread that can run at once (at least 2); no trimming',
  balanced:
    'the default: a young generation of at least 32 MB semi-spaces where the runtime default is smaller (Node 20/22), none larger than 1/8 of memory; one malloc arena per two threads that can run at once (1 on a 2-CPU machine); malloc_trim when idle after a major GC every 30 s at most',
  memory:
    'lowest footprint: the young generation lowered to 32 MB semi-spaces where the runtime default is larger (Node 24), which cuts peak RSS at about equal throughput; where it is already that small (Node 20/22/26), --optimize-for-size at run time with 8 MB semi-spaces, which cuts peak RSS at a high throughput cost; one malloc arena per four threads that can run at once; malloc_trim when idle after a major GC every 10 s at most',
};

export type SettingKey = 'max-semi-space-size' | 'min-semi-space-size' | 'max-old-space-size' | 'optimize-for-size' | 'arena-max' | 'trim';

export interface Setting {
  key: SettingKey;
  /** e.g. `--max-semi-space-size=64`, `MALLOC_ARENA_MAX=2`, `malloc_trim when idle` */
  text: string;
  /** Why the profile wants it. */
  reason: string;
  /** `start`: only works when the process starts (launcher/NODE_OPTIONS); `run`: the register applies it. */
  stage: 'start' | 'run';
  /** `set`: the runtime differs from the intent; `left alone`: it already matches. */
  decision: 'set' | 'left alone';
  /** For `left alone`: what the runtime does instead. */
  because?: string;
  /** V8/node flag name (start-time settings). */
  flag?: string;
  value?: number;
}

export interface PlanInput {
  profile: Profile;
  memory: MemoryLimit;
  young: YoungGeneration;
  flags: FlagsInEffect;
  cpus: number;
  major: number;
  /** Threads that call malloc (from UV_THREADPOOL_SIZE and --v8-pool-size); defaults to node's own defaults. */
  threads?: MallocThreads;
}

/** The threads that allocate with malloc, and how many of them can run at the same time. */
export interface MallocThreads {
  /** libuv threadpool size (UV_THREADPOOL_SIZE, else 4). */
  threadpool: number;
  /** V8 platform worker threads (--v8-pool-size, else 4): GC helpers and background compilers. */
  v8Pool: number;
  /** At most this many of them (and the main thread) run at once: min(CPUs, threads). */
  running: number;
  source: string;
}

/**
 * Reads the thread counts the way libuv and node do: UV_THREADPOOL_SIZE is parsed with atoi
 * (0 or garbage gives 1 thread, more than 1024 gives 1024), `--v8-pool-size=0` lets node pick
 * CPUs - 1.
 */
export function mallocThreads(env: Env, flags: FlagsInEffect, cpus: number): MallocThreads {
  const uvText = env.UV_THREADPOOL_SIZE;
  let threadpool = 4;
  let uvSource = 'libuv default 4';
  if (uvText !== undefined) {
    const n = parseInt(uvText, 10);
    threadpool = !Number.isFinite(n) || n === 0 ? 1 : n < 0 || n > 1024 ? 1024 : n;
    uvSource = `UV_THREADPOOL_SIZE=${uvText.trim()}`;
  }
  const poolFlag = numericFlag(flags, '--v8-pool-size');
  const v8Pool = poolFlag === undefined ? 4 : poolFlag < 1 ? Math.max(1, cpus - 1) : Math.floor(poolFlag);
  const v8Source = poolFlag === undefined ? 'node default 4' : `--v8-pool-size=${poolFlag}`;
  const total = threadpool + v8Pool + 1;
  return {
    threadpool,
    v8Pool,
    running: Math.max(1, Math.min(cpus, total)),
    source: `${threadpool} threadpool (${uvSource}) + ${v8Pool} V8 workers (${v8Source}) + main = ${total} threads on ${cpus} CPUs`,
  };
}

/**
 * Arenas per profile, from the threads that can run at once. glibc's lock contention is between
 * threads that malloc at the same moment, and its per-thread cache (tcache) serves most small
 * allocations without the lock; one arena per two running threads kept throughput equal on the
 * 2-core test machine (one arena, 4 and 8 threadpool threads, Node 20 and 24) while every arena
 * not created saves a 64 MB reservation and the freed memory it would keep.
 */
export const ARENA_THREADS_PER_ARENA: Record<Profile, number> = { throughput: 1, balanced: 2, memory: 4 };

export function arenaMaxFor(profile: Profile, threads: MallocThreads): number {
  const n = Math.ceil(threads.running / ARENA_THREADS_PER_ARENA[profile]);
  return profile === 'throughput' ? Math.max(2, n) : Math.max(1, n);
}

export interface Plan extends PlanInput {
  threads: MallocThreads;
  settings: Setting[];
  arenaMax: number;
  /** Minimum seconds between two idle trims; 0 = no trimming. */
  trimIntervalS: number;
}

function pow2Floor(x: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(x, 1e-9)));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function mb(n: number): string {
  return `${Number.isInteger(n) ? n : n.toFixed(2)} MB`;
}

/**
 * Sizes a profile wants, from the memory available (MB) and the threads that call malloc (node's
 * defaults on this machine's CPUs when not given). Exported for tests and the launcher.
 */
export function profileSizes(
  profile: Profile,
  memoryMB: number,
  threads: MallocThreads = mallocThreads({}, { values: new Map(), origin: new Map() }, os.availableParallelism?.() ?? os.cpus().length),
): { semiSpaceMB: number; ceilingSemiSpaceMB: number; ofsSemiSpaceMB: number; arenaMax: number; trimIntervalS: number } {
  // However the profile leans, the young generation (about 3 semi-spaces) stays under 1/8 of memory.
  const ceiling = pow2Floor(clamp(memoryMB / 24, 1, 64));
  const arenaMax = arenaMaxFor(profile, threads);
  switch (profile) {
    case 'throughput':
      return { semiSpaceMB: Math.min(ceiling, pow2Floor(clamp(memoryMB / 32, 2, 64))), ceilingSemiSpaceMB: ceiling, ofsSemiSpaceMB: 0, arenaMax, trimIntervalS: 0 };
    case 'balanced':
      return { semiSpaceMB: Math.min(ceiling, pow2Floor(clamp(memoryMB / 64, 2, 32))), ceilingSemiSpaceMB: ceiling, ofsSemiSpaceMB: 0, arenaMax, trimIntervalS: 30 };
    case 'memory':
      // Two tiers. The cheap one: 32 MB semi-spaces where the default is larger (Node 24). Not less on
      // its own: below the size of what survives a scavenge, objects are promoted early and the old
      // generation grows instead (JSON work: 16 MB raised peak RSS by 16 % on Node 24 and 57 % on
      // Node 26, 8 MB by 5 % on Node 20). 32 MB is also Node 26's own default. Where the default is
      // already that small, --optimize-for-size holds the old generation back, and with it a small
      // young generation (ofsSemiSpaceMB) does lower peak RSS further.
      return { semiSpaceMB: Math.min(ceiling, 32), ceilingSemiSpaceMB: ceiling, ofsSemiSpaceMB: Math.min(ceiling, pow2Floor(clamp(memoryMB / 256, 1, 8))), arenaMax, trimIntervalS: 10 };
  }
}

type Sizes = ReturnType<typeof profileSizes>;

/** What the young-generation decision leaves for the later ones. */
interface YoungDecision {
  /** The semi-space size the process will run with. */
  finalSemi: number;
  /** memory profile: 'young' = the young generation was lowered (cheap), 'ofs' = --optimize-for-size. */
  memoryTier?: 'young' | 'ofs';
}

function semiFlag(value: number, reason: string): Setting {
  return { key: 'max-semi-space-size', text: `--max-semi-space-size=${value}`, flag: '--max-semi-space-size', value, stage: 'start', decision: 'set', reason };
}

/** Young generation: the knob for collection frequency and for peak RSS. */
function semiSpaces(input: PlanInput, sizes: Sizes, memoryMB: number, settings: Setting[]): YoungDecision {
  const { profile, young } = input;
  const current = young.maxSemiSpaceMB;
  let finalSemi = current;
  let memoryTier: YoungDecision['memoryTier'];
  if (young.fromFlag) {
    // Started with an explicit size (by the launcher, or by hand): the runtime default is unknown
    // from here, so the explicit value stands; it counts as the profile's when it is the profile's.
    const wanted = profile === 'memory' ? [sizes.semiSpaceMB, sizes.ofsSemiSpaceMB] : [sizes.semiSpaceMB, sizes.ceilingSemiSpaceMB];
    if (profile === 'memory') memoryTier = current === sizes.semiSpaceMB ? 'young' : 'ofs';
    if (wanted.includes(current)) settings.push(semiFlag(current, `the ${profile} profile's young generation (${mb(current)} semi-spaces)`));
    else
      settings.push({
        key: 'max-semi-space-size',
        text: `--max-semi-space-size=${sizes.semiSpaceMB}`,
        stage: 'start',
        decision: 'left alone',
        reason: 'young generation sized by the profile',
        because: `${young.source} was set explicitly and is kept`,
      });
  } else if (profile === 'memory') {
    memoryTier = current > sizes.semiSpaceMB ? 'young' : 'ofs';
    if (memoryTier === 'ofs' && current > sizes.ofsSemiSpaceMB) {
      finalSemi = sizes.ofsSemiSpaceMB;
      settings.push(
        semiFlag(
          sizes.ofsSemiSpaceMB,
          `with --optimize-for-size holding the old generation back, a small young generation lowers peak RSS further: ${mb(current)} semi-spaces lowered to ${mb(sizes.ofsSemiSpaceMB)}`,
        ),
      );
    }
    if (memoryTier === 'young') {
      finalSemi = sizes.semiSpaceMB;
      settings.push(
        semiFlag(
          sizes.semiSpaceMB,
          `the young generation (about 3 semi-spaces) is the largest part of peak RSS on allocation-heavy work; ${mb(current)} semi-spaces lowered to ${mb(sizes.semiSpaceMB)} (Node 24, 64 -> 32 MB: peak RSS about -25 % at equal throughput on JSON work; smaller made it worse)`,
        ),
      );
    }
  } else if (current < sizes.semiSpaceMB) {
    finalSemi = sizes.semiSpaceMB;
    settings.push(
      semiFlag(
        sizes.semiSpaceMB,
        `fewer scavenges: short-lived objects die in a larger young generation instead of being copied; raised from ${mb(current)} to ${mb(sizes.semiSpaceMB)} (sized as ${profile === 'throughput' ? '1/32' : '1/64'} of ${mb(Math.round(memoryMB))})`,
      ),
    );
  } else if (current > sizes.ceilingSemiSpaceMB) {
    finalSemi = sizes.ceilingSemiSpaceMB;
    settings.push(semiFlag(sizes.ceilingSemiSpaceMB, `the runtime default young generation (${mb(current)} semi-spaces) would take more than 1/8 of the ${mb(Math.round(memoryMB))} available`));
  }
  if (!settings.some((s) => s.key === 'max-semi-space-size')) {
    settings.push({
      key: 'max-semi-space-size',
      text: `--max-semi-space-size=${memoryTier === 'ofs' ? sizes.ofsSemiSpaceMB : sizes.semiSpaceMB}`,
      stage: 'start',
      decision: 'left alone',
      reason: profile === 'memory' ? 'small young generation for a low footprint' : 'young generation large enough for few scavenges',
      because: `${young.source}: ${mb(current)} semi-spaces, already ${profile === 'memory' ? '<=' : '>='} the profile's ${mb(memoryTier === 'ofs' ? sizes.ofsSemiSpaceMB : sizes.semiSpaceMB)}`,
    });
  }
  return { finalSemi, memoryTier };
}

/** throughput only: start the young generation at the size it was given. */
function minSemiSpace(input: PlanInput, finalSemi: number, settings: Setting[]): Setting {
  const { young } = input;
  const minFlag = numericFlag(input.flags, '--min-semi-space-size');
  const raised = settings.some((s) => s.key === 'max-semi-space-size' && s.decision === 'set') && (!young.fromFlag || minFlag === undefined || minFlag === finalSemi);
  return raised
    ? {
        key: 'min-semi-space-size',
        text: `--min-semi-space-size=${finalSemi}`,
        flag: '--min-semi-space-size',
        value: finalSemi,
        stage: 'start',
        decision: 'set',
        reason: 'V8 grows the young generation only when objects survive; starting it at full size is what cuts scavenges of small short-lived objects (node command line only: NODE_OPTIONS refuses it)',
      }
    : {
        key: 'min-semi-space-size',
        text: `--min-semi-space-size=${finalSemi}`,
        stage: 'start',
        decision: 'left alone',
        reason: 'start the young generation at full size',
        because: `the runtime's own young generation (${mb(young.maxSemiSpaceMB)} semi-spaces) already meets the profile; pinning it too would only add memory`,
      };
}

/** Old generation: only a guard for containers, where V8's own limit can exceed the cgroup's. */
function oldGeneration(input: PlanInput, memoryMB: number, finalSemi: number): Setting {
  const { memory, young } = input;
  const oldFlag = numericFlag(input.flags, '--max-old-space-size');
  const heapBudget = 0.75 * memoryMB;
  if (young.heapSizeLimitMB > heapBudget && oldFlag === undefined) {
    const old = Math.max(64, Math.floor(heapBudget - 3 * finalSemi));
    return {
      key: 'max-old-space-size',
      text: `--max-old-space-size=${old}`,
      flag: '--max-old-space-size',
      value: old,
      stage: 'start',
      decision: 'set',
      reason: `V8's heap limit (${mb(Math.round(young.heapSizeLimitMB))}) exceeds 3/4 of the ${mb(Math.round(memoryMB))} available (${memory.source}): V8 must collect hard before the container's OOM killer strikes`,
    };
  }
  return {
    key: 'max-old-space-size',
    text: '--max-old-space-size',
    stage: 'start',
    decision: 'left alone',
    reason: 'keep the heap limit under 3/4 of the memory available',
    because:
      oldFlag !== undefined
        ? `set explicitly to ${oldFlag} MB (${input.flags.origin.get('--max-old-space-size')}); not overridden`
        : `V8's heap limit ${mb(Math.round(young.heapSizeLimitMB))} already fits in 3/4 of ${mb(Math.round(memoryMB))} (${memory.source})`,
  };
}

/**
 * --optimize-for-size: the one heap-shaping flag that V8 reads on every growth decision, so it
 * works from the register. Costly in throughput, so the memory profile uses it only where the
 * young generation offers no cheaper saving.
 */
function optimizeForSize(input: PlanInput, sizes: Sizes, memoryTier: YoungDecision['memoryTier']): Setting {
  const { profile, young } = input;
  const ofsAlready = input.flags.values.has('--optimize-for-size');
  if (profile === 'memory' && !ofsAlready && memoryTier === 'ofs') {
    return {
      key: 'optimize-for-size',
      text: '--optimize-for-size',
      flag: '--optimize-for-size',
      stage: 'run',
      decision: 'set',
      reason: `the runtime's young generation (${mb(young.maxSemiSpaceMB)} semi-spaces) is already at or below ${mb(sizes.semiSpaceMB)}, where lowering it alone made peak RSS worse, so this is the heap setting left: V8 grows the old generation slowly and keeps the young one small (JSON work: peak RSS -25 to -40 %, throughput -40 to -60 %); read on every heap growth decision, so set at run time (allow-listed)`,
    };
  }
  return {
    key: 'optimize-for-size',
    text: '--optimize-for-size',
    stage: 'run',
    decision: 'left alone',
    reason: 'trade throughput for footprint',
    because: ofsAlready
      ? `already set (${input.flags.origin.get('--optimize-for-size')})`
      : profile === 'memory'
        ? "the lowered young generation already cuts peak RSS at about equal throughput; --optimize-for-size would cost about half of it for the rest (opt in with gc.setFlag('--optimize-for-size'))"
        : `the ${profile} profile keeps V8's speed-oriented heap growth`,
  };
}

/** glibc arenas: by default one 64 MB-reserving arena per busy thread, up to 8 x cores. */
function arenaMax(input: PlanInput, sizes: Sizes, threads: MallocThreads): Setting {
  const { profile, cpus } = input;
  const glibcDefault = 8 * cpus;
  const perArena = ARENA_THREADS_PER_ARENA[profile];
  if (glibcDefault > sizes.arenaMax) {
    return {
      key: 'arena-max',
      text: `MALLOC_ARENA_MAX=${sizes.arenaMax}`,
      value: sizes.arenaMax,
      stage: 'run',
      decision: 'set',
      reason:
        `glibc gives a thread that finds the arenas locked its own arena, up to ${glibcDefault} here (8 x ${cpus} CPUs), each reserving 64 MB and keeping freed memory; ` +
        `at most ${threads.running} threads run at once (${threads.source}), so ${sizes.arenaMax} arena${sizes.arenaMax > 1 ? 's' : ''} ` +
        (perArena === 1
          ? '(one per running thread) leave no lock contention'
          : `(one per ${perArena} running threads; glibc's per-thread cache serves small allocations without the lock) kept throughput equal in measurements (2 CPUs, 4 and 8 threadpool threads)`) +
        ' while VSZ and RSS drop',
    };
  }
  return {
    key: 'arena-max',
    text: `MALLOC_ARENA_MAX=${sizes.arenaMax}`,
    stage: 'run',
    decision: 'left alone',
    reason: 'limit glibc arenas',
    because: `glibc's own limit here (8 x ${cpus} cores = ${glibcDefault}) is already <= ${sizes.arenaMax}`,
  };
}

/** malloc_trim after a major GC when the event loop is idle. */
function idleTrim(sizes: Sizes): Setting {
  if (sizes.trimIntervalS > 0) {
    return {
      key: 'trim',
      text: `malloc_trim when idle after a major GC (every ${sizes.trimIntervalS} s at most)`,
      value: sizes.trimIntervalS,
      stage: 'run',
      decision: 'set',
      reason: 'freed C-heap memory (Buffers, zlib, crypto) stays in glibc until trimmed; trimming only when the event loop is idle keeps its few milliseconds off the hot path',
    };
  }
  return {
    key: 'trim',
    text: 'malloc_trim when idle',
    stage: 'run',
    decision: 'left alone',
    reason: 'return freed C-heap memory',
    because: 'the throughput profile keeps freed memory for reuse',
  };
}

/** Every setting of a profile, each with its decision ('set' or 'left alone') and the reason. */
export function makePlan(input: PlanInput): Plan {
  const memoryMB = input.memory.bytes / MB;
  const threads = input.threads ?? mallocThreads({}, input.flags, input.cpus);
  const sizes = profileSizes(input.profile, memoryMB, threads);
  const settings: Setting[] = [];
  const { finalSemi, memoryTier } = semiSpaces(input, sizes, memoryMB, settings);
  if (input.profile === 'throughput') settings.push(minSemiSpace(input, finalSemi, settings));
  settings.push(oldGeneration(input, memoryMB, finalSemi));
  settings.push(optimizeForSize(input, sizes, memoryTier));
  settings.push(arenaMax(input, sizes, threads));
  settings.push(idleTrim(sizes));
  return { ...input, threads, settings, arenaMax: sizes.arenaMax, trimIntervalS: sizes.trimIntervalS };
}

/** Plan for the running process (or a faked memory limit / flags / CPU count in tests). */
export function planFor(profile: Profile, options: { env?: Env; memory?: MemoryLimit; flags?: FlagsInEffect; heapSizeLimit?: number; cpus?: number } = {}): Plan {
  const env = options.env ?? process.env;
  const flags = options.flags ?? flagsInEffect(process.execArgv, env.NODE_OPTIONS);
  const cpus = options.cpus ?? (os.availableParallelism?.() ?? os.cpus().length);
  return makePlan({
    profile,
    memory: options.memory ?? memoryLimit({ env }),
    young: youngGeneration(flags, options.heapSizeLimit),
    flags,
    cpus,
    major: runningMajor(),
    threads: mallocThreads(env, flags, cpus),
  });
}

export interface ProfileResolution {
  enabled: boolean;
  profile: Profile;
  /** Where the choice came from. */
  source: string;
  warnings: string[];
}

/**
 * `AFTERBURNER=0` / `AFTERBURNER_GC` -> profile, with the package's usual warnings for bad values
 * (the same reader the registry uses). `on` words select `balanced`.
 */
export function resolveProfile(env: Env = process.env, explicit?: string): ProfileResolution {
  const warnings: string[] = [];
  if (explicit !== undefined) {
    const lower = explicit.trim().toLowerCase();
    if ((OFF_WORDS as readonly string[]).includes(lower)) return { enabled: false, profile: DEFAULT_PROFILE, source: `--profile ${explicit}`, warnings };
    if ((ON_WORDS as readonly string[]).includes(lower)) return { enabled: true, profile: DEFAULT_PROFILE, source: `--profile ${explicit}`, warnings };
    if ((PROFILES as readonly string[]).includes(lower)) return { enabled: true, profile: lower as Profile, source: `--profile ${explicit}`, warnings };
    warnings.push(`ignoring --profile ${JSON.stringify(explicit)}: accepted values are ${[...PROFILES, 'off'].join(', ')}; using the environment`);
  }
  const reader = new EnvReader(env);
  const global = reader.boolean('AFTERBURNER', true);
  const sw = reader.switchOrMode('AFTERBURNER_GC', true, PROFILES);
  const limit = env.AFTERBURNER_GC_MEMORY_LIMIT;
  if (limit !== undefined && limit.trim() !== '' && parseSize(limit) === undefined) {
    warnings.push(`ignoring AFTERBURNER_GC_MEMORY_LIMIT=${JSON.stringify(limit)}: accepted values are a size of at least 16 MB in bytes or with a k/m/g suffix (e.g. 512m); using the default (detected)`);
  }
  warnings.unshift(...reader.warnings.map((w) => w.message));
  const profile = (sw.mode as Profile | undefined) ?? DEFAULT_PROFILE;
  if (!global) return { enabled: false, profile, source: 'AFTERBURNER=0', warnings };
  return { enabled: sw.enabled, profile, source: sw.fromEnv ? `AFTERBURNER_GC=${env.AFTERBURNER_GC?.trim()}` : 'default', warnings };
}
