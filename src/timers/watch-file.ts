/**
 * fs.watchFile / fs.unwatchFile driven by inotify (fs.watch) instead of stat polling.
 *
 * The public contract is the original's, down to the object users get back: a genuine
 * fs StatWatcher instance (obtained once from the original), whose ref()/unref()/stop() logic is
 * the platform's own; only its `_handle` (the libuv poller) is replaced by a controller here. The
 * decision of *whether* to emit follows libuv's fs-poll rules: compare the new stat with the last
 * successful one on ctime, mtime, birthtime, size, mode, uid, gid, ino and dev; an error is reported
 * once per distinct error code with zeroed current stats; a recovery reports the last good stats
 * as `prev`. What changes is *when* we stat: when the directory or the file signals, plus a slow
 * safety-net verification, instead of every `interval`.
 *
 * Where events cannot be trusted (network/FUSE/pseudo filesystems, symlinks in the path, a watch
 * that cannot be created or errors) the path is polled on its interval exactly like the original
 * (async stat on a timer), and the reason is logged at debug level.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { executionAsyncId } from 'node:async_hooks';
import { log } from '../core/log';
import { errorMessage } from '../core/errors';
import { originalTimers } from './originals';

type AnyStats = fs.Stats | fs.BigIntStats;
type StatWatcherLike = fs.StatWatcher & { _handle: unknown; listenerCount(name: string): number; stop(): void };

export interface WatchFileOriginals {
  watchFile: typeof fs.watchFile;
  unwatchFile: typeof fs.unwatchFile;
  stat: typeof fs.stat;
  statSync: typeof fs.statSync;
}

export interface WatchFileOptions {
  /** Paths (absolute, resolved) matching this are always polled like the original. */
  forcePolling?: RegExp;
  /** Safety-net verification period = clamp(interval × factor, min, max) ms. */
  verifyFactor?: number;
  verifyMinMs?: number;
  verifyMaxMs?: number;
}

/** statfs f_type values of filesystems whose inotify events miss remote or synthetic changes. */
const UNTRUSTED_FS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0x517b, 'smb'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x65735546, 'fuse'],
  [0x01021997, '9p'],
  [0x00c36400, 'ceph'],
  [0x5346414f, 'afs'],
  [0x6b414653, 'afs'],
  [0x73757245, 'coda'],
  [0x564c, 'ncp'],
  [0x0bd00bd0, 'lustre'],
  [0x01161970, 'gfs2'],
  [0x7461636f, 'ocfs2'],
  [0x786f4256, 'vboxsf'],
  [0x19830326, 'orangefs'],
  [0x47504653, 'gpfs'],
  [0x7c7c6673, 'prl_fs'],
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
]);

const DEBOUNCE_MAX_MS = 10;
/**
 * Safety net: an event-driven path quiet for clamp(interval × 60, 30 s, 10 min) is stat'ed once,
 * all due paths in one unref'd wake-up (measured in benchmarks/timers: a sweep of 1,000 paths
 * costs a few ms of CPU). It bounds how long a change could go unseen if the kernel dropped an
 * event (inotify queue overflow), at a cost far below polling.
 */
const VERIFY_FACTOR = 60;
const VERIFY_MIN_MS = 30_000;
const VERIFY_MAX_MS = 600_000;

function isUint32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

function isUrlLike(value: unknown): value is URL {
  const v = value as { href?: unknown; protocol?: unknown; auth?: unknown; path?: unknown } | null;
  return v !== null && typeof v === 'object' && Boolean(v.href) && Boolean(v.protocol) && v.auth === undefined && v.path === undefined;
}

/** The resolved absolute path the original would key its watcher by, or undefined to let the original decide. */
function resolveLikeOriginal(filename: unknown): string | undefined {
  let p: unknown = filename;
  if (isUrlLike(p)) {
    if (p.protocol !== 'file:') return undefined;
    try {
      p = fileURLToPath(p);
    } catch {
      return undefined;
    }
  }
  if (typeof p !== 'string' || p.includes('\u0000')) return undefined;
  return path.resolve(p);
}

/** libuv's statbuf_eq: the fields whose change makes fs-poll report (atime and nlink excluded). */
function sameStats(a: AnyStats, b: AnyStats): boolean {
  if (typeof a.size === 'bigint') {
    const x = a as fs.BigIntStats;
    const y = b as fs.BigIntStats;
    return x.ctimeNs === y.ctimeNs && x.mtimeNs === y.mtimeNs && x.birthtimeNs === y.birthtimeNs && x.size === y.size && x.mode === y.mode && x.uid === y.uid && x.gid === y.gid && x.ino === y.ino && x.dev === y.dev;
  }
  const x = a as fs.Stats;
  const y = b as fs.Stats;
  return x.ctimeMs === y.ctimeMs && x.mtimeMs === y.mtimeMs && x.birthtimeMs === y.birthtimeMs && x.size === y.size && x.mode === y.mode && x.uid === y.uid && x.gid === y.gid && x.ino === y.ino && x.dev === y.dev;
}

/** A fresh object of the same class with the same own fields: the original never hands out one object twice. */
function cloneStats<T extends AnyStats>(s: T): T {
  const copy = Object.create(Object.getPrototypeOf(s));
  for (const key of Object.keys(s)) copy[key] = (s as unknown as Record<string, unknown>)[key];
  return copy;
}

function zeroLike<T extends AnyStats>(template: T): T {
  const zero = Object.create(Object.getPrototypeOf(template));
  for (const key of Object.keys(template)) {
    const v = (template as unknown as Record<string, unknown>)[key];
    zero[key] = typeof v === 'bigint' ? 0n : v instanceof Date ? new Date(0) : typeof v === 'number' ? 0 : v;
  }
  return zero;
}

interface RealStatWatcher {
  Ctor: new (bigint: boolean) => StatWatcherLike;
  addOrClean: symbol;
}

/** Gets the platform's StatWatcher class and its ref-count hook from one throwaway original watcher. */
function discoverStatWatcher(orig: WatchFileOriginals): RealStatWatcher {
  const probe = path.join(os.tmpdir(), `.afterburner-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const noop = (): void => {};
  const w = (orig.watchFile as unknown as (...a: unknown[]) => StatWatcherLike).call(fs, probe, { persistent: false, interval: 0x7fffffff }, noop);
  orig.unwatchFile.call(fs, probe, noop);
  const proto = Object.getPrototypeOf(w);
  const addOrClean = Object.getOwnPropertySymbols(proto).find((s) => s.description === 'kFSStatWatcherAddOrCleanRef');
  const Ctor = w.constructor as RealStatWatcher['Ctor'];
  if (!addOrClean || typeof proto.ref !== 'function' || typeof proto.unref !== 'function' || typeof proto.stop !== 'function') {
    throw new Error('StatWatcher internals not recognised on this Node version');
  }
  const test = new Ctor(false);
  if (test._handle !== null || typeof (test as unknown as { emit?: unknown }).emit !== 'function') {
    throw new Error('StatWatcher constructor not recognised on this Node version');
  }
  return { Ctor, addOrClean };
}

/** One fs.watch on a directory, shared by every watched path inside it. */
class DirWatch {
  readonly entries = new Map<string, Set<Entry>>();
  private watcher: fs.FSWatcher | null;
  private refed = true;
  private identity: string | undefined;

  constructor(
    readonly dir: string,
    private readonly owner: WatchFileController,
  ) {
    // Throws (ENOENT, ENOSPC, EACCES...) to the caller, which falls back to polling.
    this.watcher = fs.watch(dir, { persistent: true }, (eventType, filename) => this.onEvent(eventType, filename));
    this.watcher.on('error', (err) => this.lost(`directory watch error: ${errorMessage(err)}`, true));
    try {
      const st = fs.statSync(dir);
      this.identity = `${st.dev}:${st.ino}`;
    } catch {
      this.identity = undefined;
    }
  }

  add(entry: Entry): void {
    const name = path.basename(entry.filename);
    let set = this.entries.get(name);
    if (!set) this.entries.set(name, (set = new Set()));
    set.add(entry);
    this.updateRef();
  }

  remove(entry: Entry): void {
    const name = path.basename(entry.filename);
    const set = this.entries.get(name);
    set?.delete(entry);
    if (set && set.size === 0) this.entries.delete(name);
    if (this.entries.size === 0) this.close();
    else this.updateRef();
  }

  updateRef(): void {
    let want = false;
    for (const set of this.entries.values()) for (const e of set) if (e.refed) want = true;
    if (want === this.refed || !this.watcher) return;
    this.refed = want;
    if (want) this.watcher.ref();
    else this.watcher.unref();
  }

  close(): void {
    if (!this.watcher) return;
    this.watcher.close();
    this.watcher = null;
    this.owner.dirs.delete(this.dir);
  }

  private onEvent(_eventType: string, filename: string | Buffer | null): void {
    if (filename === null || filename === undefined) {
      for (const set of this.entries.values()) for (const e of set) e.signal();
      this.verifySelf();
      return;
    }
    const name = String(filename);
    const set = this.entries.get(name);
    if (set) for (const e of set) e.signal();
    // Events about the watched directory itself carry its own base name (deleted, moved, unmounted).
    if (name === path.basename(this.dir)) this.verifySelf();
  }

  /** The directory may have been deleted or moved: then this watch sees nothing any more. */
  private verifySelf(): void {
    fs.stat(this.dir, (err, st) => {
      if (!this.watcher) return;
      const now = err ? undefined : `${st.dev}:${st.ino}`;
      if (now === undefined || now !== this.identity) this.lost('directory watch lost (directory deleted or replaced)', false);
    });
  }

  private lost(reason: string, permanent: boolean): void {
    const affected = [...this.entries.values()].flatMap((s) => [...s]);
    this.entries.clear();
    this.close();
    for (const e of affected) e.onWatchLost(reason, permanent);
  }
}

type Mode = 'events' | 'polling' | 'closed';

class Entry {
  readonly watcher: StatWatcherLike;
  refed = true;
  mode: Mode = 'events';
  reason: string | undefined;
  /** Polling because events cannot be trusted for good, vs until the directory can be watched again. */
  private permanent = false;
  private busy = 0;
  private last: AnyStats | null = null;
  private oldStatus = -1;
  private dir: DirWatch | null = null;
  private fileWatch: fs.FSWatcher | null = null;
  private fileWatchId: string | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private inFlight = false;
  private dirty = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private pollStart = 0;
  lastChecked = 0;
  private lastEmitAt = -Infinity;
  readonly verifyMs: number;

  constructor(
    readonly filename: string,
    readonly bigint: boolean,
    readonly interval: number,
    private readonly owner: WatchFileController,
  ) {
    this.watcher = new owner.real.Ctor(bigint);
    const asyncId = executionAsyncId();
    this.watcher._handle = {
      ref: () => this.setRef(true),
      unref: () => this.setRef(false),
      hasRef: () => this.refed,
      close: () => this.close(),
      getAsyncId: () => asyncId,
    };
    const o = owner.options;
    this.verifyMs = Math.min(Math.max(Math.max(interval, 1) * (o.verifyFactor ?? VERIFY_FACTOR), o.verifyMinMs ?? VERIFY_MIN_MS), o.verifyMaxMs ?? VERIFY_MAX_MS);
  }

  start(persistent: boolean): void {
    if (!persistent) this.watcher.unref();
    this.arm();
    // The original stats immediately on start: the first result is the baseline (or an ENOENT report).
    this.check();
  }

  private setRef(on: boolean): void {
    this.refed = on;
    this.dir?.updateRef();
    if (this.fileWatch) on ? this.fileWatch.ref() : this.fileWatch.unref();
    if (this.pollTimer) on ? this.pollTimer.ref() : this.pollTimer.unref();
  }

  /** Sets up event sources, or switches to polling saying why. */
  private arm(): void {
    const why = this.owner.untrustedReason(this.filename);
    if (why) {
      this.toPolling(why.reason, why.permanent);
      return;
    }
    try {
      this.dir = this.owner.dirWatch(path.dirname(this.filename));
      this.dir.add(this);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const missing = code === 'ENOENT' || code === 'ENOTDIR';
      this.toPolling(missing ? 'directory does not exist yet' : `directory watch failed: ${errorMessage(err)}`, !missing);
      return;
    }
    this.mode = 'events';
    this.reason = undefined;
    this.owner.track(this);
    // Watch the file itself before the first stat, so nothing falls between baseline and watch.
    if (this.busy === 0) this.rewatchFile(null, true);
  }

  /** Watches the file's inode too: catches writes through other hard links, and directories' contents. */
  private rewatchFile(st: AnyStats | null, beforeFirstStat = false): void {
    const id = st ? `${st.dev}:${st.ino}` : undefined;
    if (this.fileWatch && this.fileWatchId === undefined && id !== undefined && !beforeFirstStat) {
      // Watched by path just before the first stat: that stat tells us which inode it was.
      this.fileWatchId = id;
      return;
    }
    if (!beforeFirstStat && id === this.fileWatchId && (this.fileWatch || !id)) return;
    this.fileWatch?.close();
    this.fileWatch = null;
    this.fileWatchId = id;
    if ((!id && !beforeFirstStat) || this.mode !== 'events') return;
    try {
      const lst = fs.lstatSync(this.filename, { throwIfNoEntry: false });
      if (lst?.isSymbolicLink()) {
        this.toPolling('the path is a symbolic link', true);
        return;
      }
      const w = fs.watch(this.filename, { persistent: true }, () => this.signal());
      w.on('error', (err) => this.onWatchLost(`file watch error: ${errorMessage(err)}`, true));
      if (!this.refed) w.unref();
      this.fileWatch = w;
      // A new inode: whatever happened to it between our stat and this watch needs one more look.
      if (!beforeFirstStat) this.signal();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Gone between the stat and the watch: the directory watch reports what comes next.
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      this.toPolling(`file watch failed: ${errorMessage(err)}`, true);
    }
  }

  onWatchLost(reason: string, permanent: boolean): void {
    if (this.mode === 'closed') return;
    this.dir = null;
    this.toPolling(reason, permanent);
  }

  private toPolling(reason: string, permanent: boolean): void {
    const wasPolling = this.mode === 'polling';
    this.dir?.remove(this);
    this.dir = null;
    this.fileWatch?.close();
    this.fileWatch = null;
    this.fileWatchId = undefined;
    this.mode = 'polling';
    this.reason = reason;
    this.permanent = permanent;
    this.owner.untrack(this);
    this.owner.noteFallback(this.filename, reason);
    if (!wasPolling) {
      this.pollStart = Date.now();
      this.schedulePoll();
      // Anything that changed between the last check and the first poll must not be absorbed.
      if (this.busy !== 0) this.check();
    }
  }

  private schedulePoll(): void {
    if (this.mode !== 'polling') return;
    const interval = Math.max(this.interval, 1);
    // Keep to the interval grid from the start, as libuv's fs-poll does.
    const wait = interval - ((Date.now() - this.pollStart) % interval);
    this.pollTimer = originalTimers.setTimeout(() => {
      this.pollTimer = undefined;
      if (this.mode !== 'polling') return;
      if (!this.permanent) {
        this.arm();
        if ((this.mode as Mode) === 'events') {
          this.check();
          return;
        }
      }
      this.check(() => this.schedulePoll());
    }, wait);
    if (!this.refed) this.pollTimer.unref();
  }

  /** An event arrived for this path: stat soon, once for a burst of events. */
  signal(): void {
    if (this.mode !== 'events') return;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    if (this.debounce) return;
    // The first change after a quiet interval is reported within the debounce; after a report, the
    // next one waits for the interval to pass, so a file written continuously is reported at most
    // once per interval, as with the original (whose callers pick the interval as a rate limit).
    const wait = Math.max(Math.min(Math.max(this.interval, 1), DEBOUNCE_MAX_MS), this.lastEmitAt + this.interval - performance.now());
    this.debounce = originalTimers.setTimeout(() => {
      this.debounce = undefined;
      this.check();
    }, wait);
    this.debounce.unref();
  }

  check(then?: () => void): void {
    if (this.mode === 'closed') return;
    if (this.inFlight) {
      this.dirty = true;
      then?.();
      return;
    }
    this.inFlight = true;
    this.owner.orig.stat.call(fs, this.filename, { bigint: this.bigint }, (err: NodeJS.ErrnoException | null, st: AnyStats) => {
      this.inFlight = false;
      try {
        // A listener that throws must not stop the watching (libuv re-arms the original's poll too).
        this.onStat(err, st);
      } finally {
        if (this.dirty && this.mode === 'events') {
          this.dirty = false;
          this.signal();
        }
        then?.();
      }
    });
  }

  /** Synchronous check for the safety net: one wake-up verifies many paths. */
  verifyNow(): void {
    if (this.mode !== 'events' || this.inFlight) return;
    let st: AnyStats | undefined;
    let err: NodeJS.ErrnoException | null = null;
    try {
      st = this.owner.orig.statSync.call(fs, this.filename, { bigint: this.bigint, throwIfNoEntry: false }) as AnyStats | undefined;
      if (!st) err = Object.assign(new Error('ENOENT'), { errno: -(os.constants.errno.ENOENT ?? 2), code: 'ENOENT' });
    } catch (e) {
      err = e as NodeJS.ErrnoException;
    }
    this.onStat(err, st as AnyStats);
  }

  /** libuv fs-poll's decision, then Node's onchange filter. */
  private onStat(err: NodeJS.ErrnoException | null, st: AnyStats): void {
    if (this.mode === 'closed') return;
    this.lastChecked = Date.now();
    if (err) {
      const status = typeof err.errno === 'number' ? err.errno : -1;
      if (this.busy !== status) {
        this.busy = status;
        this.emit(status, this.owner.zero(this.bigint), this.last ? cloneStats(this.last) : this.owner.zero(this.bigint));
      }
      if (this.mode === 'events') this.rewatchFile(null);
      return;
    }
    const before = this.busy;
    const prev = this.last;
    this.last = st;
    this.busy = 1;
    if (this.mode === 'events') this.rewatchFile(st);
    if (before !== 0 && (before < 0 || !prev || !sameStats(prev, st))) {
      this.emit(0, cloneStats(st), prev ? cloneStats(prev) : this.owner.zero(this.bigint));
    }
  }

  private emit(status: number, curr: AnyStats, prev: AnyStats): void {
    if (this.oldStatus === -1 && status === -1 && curr.nlink === prev.nlink) return;
    this.oldStatus = status;
    this.lastEmitAt = performance.now();
    this.owner.changes++;
    this.watcher.emit('change', curr, prev);
  }

  close(): void {
    if (this.mode === 'closed') return;
    this.mode = 'closed';
    this.dir?.remove(this);
    this.dir = null;
    this.fileWatch?.close();
    this.fileWatch = null;
    if (this.debounce) originalTimers.clearTimeout(this.debounce);
    if (this.pollTimer) originalTimers.clearTimeout(this.pollTimer);
    this.debounce = this.pollTimer = undefined;
    this.owner.untrack(this);
  }
}

export interface WatchFileStatus {
  paths: number;
  eventDriven: number;
  polling: number;
  /** Why paths are polled, with how many paths each. */
  pollingReasons: Record<string, number>;
  changesEmitted: number;
  safetyNetChecks: number;
}

export class WatchFileController {
  readonly entries = new Map<string, Entry>();
  readonly dirs = new Map<string, DirWatch>();
  readonly real: RealStatWatcher;
  changes = 0;
  private verified = 0;
  private readonly tracked = new Set<Entry>();
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  private sweepAt = Infinity;
  private readonly zeros: Partial<Record<'n' | 'b', AnyStats>> = {};
  private readonly fsTypeCache = new Map<string, string | null>();
  private readonly loggedFallbacks = new Set<string>();

  constructor(
    readonly orig: WatchFileOriginals,
    readonly options: WatchFileOptions = {},
  ) {
    this.real = discoverStatWatcher(orig);
  }

  zero(bigint: boolean): AnyStats {
    const key = bigint ? 'b' : 'n';
    let template = this.zeros[key];
    if (!template) {
      template = this.zeros[key] = zeroLike(this.orig.statSync.call(fs, os.tmpdir(), { bigint }) as AnyStats);
    }
    return zeroLike(template);
  }

  dirWatch(dir: string): DirWatch {
    let d = this.dirs.get(dir);
    if (!d) {
      d = new DirWatch(dir, this);
      this.dirs.set(dir, d);
    }
    return d;
  }

  /** Why a path cannot rely on events, or undefined when it can. */
  untrustedReason(filename: string): { reason: string; permanent: boolean } | undefined {
    if (this.options.forcePolling?.test(filename)) return { reason: 'forced by AFTERBURNER_TIMERS_POLL', permanent: true };
    const dir = path.dirname(filename);
    let fsType = this.fsTypeCache.get(dir);
    if (fsType === undefined) {
      try {
        const real = fs.realpathSync.native(dir);
        if (real !== dir) fsType = 'a symbolic link in the directory path';
        else {
          const type = fs.statfsSync(dir).type;
          const name = UNTRUSTED_FS.get(type >>> 0);
          fsType = name ? `${name} filesystem (events may miss changes)` : null;
        }
        this.fsTypeCache.set(dir, fsType);
      } catch {
        // Missing directory: not cached, it may appear later.
        return { reason: 'directory does not exist yet', permanent: false };
      }
    }
    return fsType ? { reason: fsType, permanent: true } : undefined;
  }

  noteFallback(filename: string, reason: string): void {
    const key = `${path.dirname(filename)}\u0000${reason}`;
    if (this.loggedFallbacks.has(key)) return;
    this.loggedFallbacks.add(key);
    log.debug(`timers: fs.watchFile polls ${filename}${this.countInDir(filename) > 1 ? ' (and other paths in that directory)' : ''}: ${reason}`);
  }

  private countInDir(filename: string): number {
    const dir = path.dirname(filename);
    let n = 0;
    for (const key of this.entries.keys()) if (path.dirname(key) === dir) n++;
    return n;
  }

  track(entry: Entry): void {
    this.tracked.add(entry);
    this.scheduleSweep(Date.now() + entry.verifyMs);
  }

  untrack(entry: Entry): void {
    this.tracked.delete(entry);
  }

  /** One unref'd timer verifies every event-driven path that has been quiet for its verify period. */
  private scheduleSweep(at: number): void {
    // Round to whole seconds so paths added around the same time share one wake-up.
    const when = Math.ceil(at / 1000) * 1000;
    if (this.sweepTimer && this.sweepAt <= when) return;
    if (this.sweepTimer) originalTimers.clearTimeout(this.sweepTimer);
    this.sweepAt = when;
    this.sweepTimer = originalTimers.setTimeout(() => this.sweep(), Math.max(when - Date.now(), 1000));
    this.sweepTimer.unref();
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    const due: Entry[] = [];
    for (const entry of this.tracked) {
      const at = entry.lastChecked + entry.verifyMs;
      if (at <= now + 500) {
        due.push(entry);
        next = Math.min(next, now + entry.verifyMs);
      } else next = Math.min(next, at);
    }
    // Scheduled before verifying: a listener that throws must not end the safety net.
    if (next !== Infinity) this.scheduleSweep(next);
    for (const entry of due) {
      this.verified++;
      entry.verifyNow();
    }
  }

  watchFile(args: IArguments | unknown[]): fs.StatWatcher {
    let [filename, options, listener] = args as unknown[];
    if (options === null || typeof options !== 'object') {
      listener = options;
      options = null;
    }
    const opts = { interval: 5007, persistent: true, ...(options as object | null) } as { interval: unknown; persistent: unknown; bigint?: unknown };
    const resolved = resolveLikeOriginal(filename);
    // Anything we do not fully understand is the original's business: it throws its own errors.
    if (resolved === undefined || typeof listener !== 'function') return this.orig.watchFile.apply(fs, args as never);
    let entry = this.entries.get(resolved);
    if (entry === undefined) {
      if (!isUint32(opts.interval)) return this.orig.watchFile.apply(fs, args as never);
      entry = new Entry(resolved, Boolean(opts.bigint), opts.interval, this);
      entry.start(Boolean(opts.persistent));
      this.entries.set(resolved, entry);
    } else {
      (entry.watcher as unknown as Record<symbol, (op: string) => void>)[this.real.addOrClean]('add');
    }
    entry.watcher.addListener('change', listener as (...a: unknown[]) => void);
    return entry.watcher;
  }

  unwatchFile(args: IArguments | unknown[]): void {
    const [filename, listener] = args as unknown[];
    const resolved = resolveLikeOriginal(filename);
    // Watchers made before install (or handed to the original) live in the original's table.
    this.orig.unwatchFile.apply(fs, args as never);
    if (resolved === undefined) return;
    const entry = this.entries.get(resolved);
    if (entry === undefined) return;
    const w = entry.watcher;
    const hook = (w as unknown as Record<symbol, (op: string) => void>)[this.real.addOrClean].bind(w);
    if (typeof listener === 'function') {
      const before = w.listenerCount('change');
      w.removeListener('change', listener as (...a: unknown[]) => void);
      if (w.listenerCount('change') < before) hook('clean');
    } else {
      w.removeAllListeners('change');
      hook('cleanAll');
    }
    if (w.listenerCount('change') === 0) {
      w.stop();
      this.entries.delete(resolved);
    }
  }

  status(): WatchFileStatus {
    const pollingReasons: Record<string, number> = {};
    let eventDriven = 0;
    let polling = 0;
    for (const e of this.entries.values()) {
      if (e.mode === 'events') eventDriven++;
      else if (e.mode === 'polling') {
        polling++;
        const r = e.reason ?? 'unknown';
        pollingReasons[r] = (pollingReasons[r] ?? 0) + 1;
      }
    }
    return { paths: this.entries.size, eventDriven, polling, pollingReasons, changesEmitted: this.changes, safetyNetChecks: this.verified };
  }
}
