/**
 * The route guard: which path parses a class of documents, decided by timing both paths now and
 * then, so that no rule can keep a class on the path that is slower for it.
 *
 * A class is a size (a power of two of the length), how V8 stores the string, and the rule that
 * sent the call here (digit-heavy, ASCII text, other text; bytes for `json.parse`). Rules only
 * choose where a class starts: a class marked `startNative` runs natively from its first call,
 * the others start undecided. Then every class is timed:
 *
 * - Measurement: after a warm-up (the first native calls of a new document type compile its
 *   factories and V8 optimizes the builder; timing them would condemn the native path for a
 *   cost it pays once), four blocks of 8 calls alternate between the paths.
 * - Steady state: the chosen path runs untimed. Every `interval` calls a look runs 8 calls on the
 *   other path and then 8 on the chosen one, back to back, so both are measured under the same
 *   load. The choice follows the estimates (with a margin against flapping), and the interval is
 *   sized so that the calls spent on the losing path stay under half a percent of the work:
 *   8 (r - 1) / interval <= 0.5 %, where r is how much costlier the loser is (a class whose native
 *   path is 16x slower is looked at every 32,768 calls, one within 10 % every 256).
 * - Tripwire: one call in 16 of the chosen path is timed; three such calls in a row that cost more
 *   than the other path's estimate start a look at once, so a class whose traffic changed does not
 *   wait out a long interval. It only starts a look: switching is always decided by blocks.
 *
 * Why blocks: single-call timings mislead both ways. The first call after the other path's calls
 * runs with cold caches, and a young-generation GC pause lands in one call out of a few, often
 * paying for garbage the previous call left, so per-call timings are bimodal and biased against
 * whichever path follows the other. Each block skips its first two calls, and of the other six
 * leaves out the costliest one (a single pause per block moves nothing; a cost that every call
 * pays still shows in the other five); each block moves the estimate half way.
 * A native call that falls back to the builtin is timed with that builtin call (the whole cost of
 * trying).
 *
 * The guard only picks a path; results are the same either way. The clock is injectable, so
 * tests can give each path a cost and check every transition deterministically.
 */

/** Milliseconds, monotonic. */
export type Clock = () => number;

export interface GuardOptions {
  /** Number of classes (indexes 0..classes-1). */
  classes: number;
  now?: Clock;
}

export interface ClassStatus {
  calls: number;
  /** Estimated cost of each path, ns per input unit (character or byte); 0 until measured. */
  nativeNs: number;
  builtinNs: number;
  choice: 'native' | 'builtin';
  /** Whether the class started on the native path (a rule sent it there directly). */
  startedNative: boolean;
  /** Calls until the next look at the other path (0: measuring now). */
  nextLookIn: number;
  /** Estimated share of this class's parse time spent on the losing path, in percent. */
  watchCostPct: number;
  /** Times the choice changed after the first decision. */
  switches: number;
}

const WARM = 16;
const BLOCK = 8;
const SKIP = 2; // untimed calls at the start of each block
const MEASURE_BLOCKS = 4;
const MEASURE_END = WARM + MEASURE_BLOCKS * BLOCK;
const MIN_INTERVAL = 256;
const MAX_INTERVAL = 1 << 16;
/** Target share of the work spent on the losing path during looks. */
const WATCH_BUDGET = 0.005;
const TRIP_EVERY = 16;
const TRIP_STRIKES = 3;
// Hysteresis: a class leaves the native path when native costs 3 % more than the builtin; it
// comes back when native costs 3 % less (10 % for classes no rule sent native: a wrong native
// choice costs more than a missed one, and two-byte text is often within a few percent).
const LEAVE_NATIVE = 1.03;
const ENTER_NATIVE_STARTED = 0.97;
const ENTER_NATIVE_UNDECIDED = 0.9;

const defaultClock: Clock = (() => {
  const perf = globalThis.performance;
  return perf && typeof perf.now === 'function' ? perf.now.bind(perf) : Date.now;
})();

export class RouteGuard {
  now: Clock;
  readonly classCount: number;
  // Per class. Float64 counters: a busy class can exceed 2^32 calls.
  private readonly calls: Float64Array;
  private readonly lookAt: Float64Array;
  private readonly interval: Float64Array;
  private readonly nativeCost: Float64Array;
  private readonly builtinCost: Float64Array;
  private readonly blockMs: Float64Array;
  private readonly blockUnits: Float64Array;
  private readonly blockMaxMs: Float64Array;
  private readonly blockMaxUnits: Float64Array;
  private readonly choice: Uint8Array; // 1: native
  private readonly startNative: Uint8Array;
  private readonly strikes: Uint8Array;
  private readonly switches: Uint32Array;

  constructor(options: GuardOptions) {
    const n = options.classes;
    this.classCount = n;
    this.now = options.now ?? defaultClock;
    this.calls = new Float64Array(n);
    this.lookAt = new Float64Array(n);
    this.interval = new Float64Array(n);
    this.nativeCost = new Float64Array(n);
    this.builtinCost = new Float64Array(n);
    this.blockMs = new Float64Array(n);
    this.blockUnits = new Float64Array(n);
    this.blockMaxMs = new Float64Array(n);
    this.blockMaxUnits = new Float64Array(n);
    this.choice = new Uint8Array(n);
    this.startNative = new Uint8Array(n);
    this.strikes = new Uint8Array(n);
    this.switches = new Uint32Array(n);
  }

  reset(): void {
    for (const a of [this.calls, this.lookAt, this.interval, this.nativeCost, this.builtinCost, this.blockMs, this.blockUnits, this.blockMaxMs, this.blockMaxUnits]) a.fill(0);
    for (const a of [this.choice, this.startNative, this.strikes]) a.fill(0);
    this.switches.fill(0);
  }

  /**
   * Parses `input` (of `size` units) in class `c` on the path the guard picks. `startNative`
   * applies to the class's first call only (the rule that sent it).
   */
  run<T>(c: number, size: number, input: T, startNative: boolean, nativePath: (input: T) => unknown, builtinPath: (input: T) => unknown): unknown {
    const k = this.calls[c]++;
    if (k >= MEASURE_END) {
      if (k < this.lookAt[c]) {
        const onNative = this.choice[c] === 1;
        if (k % TRIP_EVERY !== 0) return onNative ? nativePath(input) : builtinPath(input);
        const t0 = this.now();
        const value = onNative ? nativePath(input) : builtinPath(input);
        this.trip(c, (this.now() - t0) / size, onNative);
        return value;
      }
      return this.look(c, k - this.lookAt[c], size, input, nativePath, builtinPath);
    }
    if (k === 0) {
      this.startNative[c] = startNative ? 1 : 0;
      this.choice[c] = startNative ? 1 : 0;
    }
    if (k < WARM) {
      const useNative = this.startNative[c] === 1 || k < WARM / 2;
      return useNative ? nativePath(input) : builtinPath(input);
    }
    // Measurement: blocks alternate, the first one on the path the class did not start on.
    const j = k - WARM;
    const block = (j / BLOCK) | 0;
    const useNative = (block & 1) === (this.startNative[c] === 1 ? 1 : 0);
    try {
      return this.timedBlockCall(c, j % BLOCK, size, input, useNative, nativePath, builtinPath);
    } finally {
      // Also when the call threw (invalid JSON): a class must never miss its decision.
      if (k === MEASURE_END - 1) this.decide(c, true);
    }
  }

  /** Position `pos` of a look: 8 calls on the other path, then 8 on the chosen one. */
  private look<T>(c: number, pos: number, size: number, input: T, nativePath: (input: T) => unknown, builtinPath: (input: T) => unknown): unknown {
    const explore = pos < BLOCK;
    const useNative = explore === (this.choice[c] === 0);
    try {
      return this.timedBlockCall(c, pos % BLOCK, size, input, useNative, nativePath, builtinPath);
    } finally {
      if (pos === 2 * BLOCK - 1) this.decide(c, false);
    }
  }

  private timedBlockCall<T>(c: number, pos: number, size: number, input: T, useNative: boolean, nativePath: (input: T) => unknown, builtinPath: (input: T) => unknown): unknown {
    if (pos < SKIP) return useNative ? nativePath(input) : builtinPath(input);
    const t0 = this.now();
    try {
      const value = useNative ? nativePath(input) : builtinPath(input);
      const ms = this.now() - t0;
      this.blockMs[c] += ms;
      this.blockUnits[c] += size;
      if (ms > this.blockMaxMs[c]) {
        this.blockMaxMs[c] = ms;
        this.blockMaxUnits[c] = size;
      }
      return value;
    } finally {
      // A call that threw adds no time, but its block still ends where it should.
      if (pos === BLOCK - 1) this.endBlock(c, useNative);
    }
  }

  /** The costliest call of the block is left out: one GC pause (or a preemption) per block then
   * moves nothing, while a cost every call pays still shows in the other five. */
  private endBlock(c: number, useNative: boolean): void {
    const costs = useNative ? this.nativeCost : this.builtinCost;
    const units = this.blockUnits[c] - this.blockMaxUnits[c];
    if (units > 0) {
      const x = (this.blockMs[c] - this.blockMaxMs[c]) / units;
      costs[c] = costs[c] === 0 ? x : (costs[c] + x) / 2;
    }
    this.blockMs[c] = this.blockUnits[c] = this.blockMaxMs[c] = this.blockMaxUnits[c] = 0;
  }

  /** After a measurement or a look: the choice, and when to look next. */
  private decide(c: number, first: boolean): void {
    const n = this.nativeCost[c];
    const b = this.builtinCost[c];
    const was = this.choice[c];
    if (n > 0 && b > 0) {
      if (was === 1) {
        if (n > b * LEAVE_NATIVE) this.choice[c] = 0;
      } else if (n < b * (this.startNative[c] === 1 ? ENTER_NATIVE_STARTED : ENTER_NATIVE_UNDECIDED)) {
        this.choice[c] = 1;
      }
    }
    const changed = this.choice[c] !== was;
    if (changed && !first) this.switches[c]++;
    this.strikes[c] = 0;
    let interval = MIN_INTERVAL;
    if (!changed && n > 0 && b > 0) {
      const r = this.choice[c] === 1 ? b / n : n / b; // loser over winner
      const wanted = (BLOCK * (r - 1)) / WATCH_BUDGET;
      while (interval < wanted && interval < MAX_INTERVAL) interval *= 2;
    }
    this.interval[c] = interval;
    this.lookAt[c] = this.calls[c] + interval;
  }

  /** A sampled call of the chosen path: three in a row costlier than the other path start a look. */
  private trip(c: number, cost: number, onNative: boolean): void {
    const other = onNative ? this.builtinCost[c] : this.nativeCost[c];
    if (other > 0 && cost > other) {
      if (++this.strikes[c] >= TRIP_STRIKES) {
        this.strikes[c] = 0;
        this.lookAt[c] = this.calls[c];
      }
    } else {
      this.strikes[c] = 0;
    }
  }

  /** Whether the class runs natively now (for tests and status). */
  nativeChosen(c: number): boolean {
    return this.choice[c] === 1;
  }

  seen(c: number): boolean {
    return this.calls[c] > 0;
  }

  status(c: number): ClassStatus {
    const n = this.nativeCost[c];
    const b = this.builtinCost[c];
    const onNative = this.choice[c] === 1;
    const k = this.calls[c];
    let watch = 0;
    if (k >= MEASURE_END && n > 0 && b > 0) {
      const r = onNative ? b / n : n / b;
      watch = r > 1 ? (100 * BLOCK * (r - 1)) / (this.interval[c] + 2 * BLOCK) : 0;
    }
    return {
      calls: k,
      nativeNs: n * 1e6,
      builtinNs: b * 1e6,
      choice: onNative ? 'native' : 'builtin',
      startedNative: this.startNative[c] === 1,
      nextLookIn: k < MEASURE_END ? 0 : Math.max(0, this.lookAt[c] - k),
      watchCostPct: Math.round(watch * 1000) / 1000,
      switches: this.switches[c],
    };
  }
}
