/**
 * The C allocator a process starts with: the C library's malloc (glibc, or musl on Alpine), or
 * jemalloc / mimalloc preloaded from the system's own package (LD_PRELOAD; nothing is bundled or
 * downloaded). Chosen with AFTERBURNER_MALLOC (or the launcher's --malloc) and only by the
 * launcher, since an allocator can only be swapped before the process's first malloc. The live
 * allocator of a running process is read from its memory map.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ALLOCATORS = ['glibc', 'jemalloc', 'mimalloc'] as const;
export type AllocatorName = (typeof ALLOCATORS)[number];

interface Package {
  /** File names the distributions install, preferred first. */
  files: string[];
  debian: string;
  alpine: string;
}

export const PACKAGES: Record<Exclude<AllocatorName, 'glibc'>, Package> = {
  jemalloc: { files: ['libjemalloc.so.2', 'libjemalloc.so'], debian: 'libjemalloc2', alpine: 'jemalloc' },
  mimalloc: { files: ['libmimalloc.so.2', 'libmimalloc.so'], debian: 'libmimalloc2.0', alpine: 'mimalloc2' },
};

// Accepted spellings of "no preload": the C library's own malloc.
const SYSTEM_WORDS = ['glibc', 'system', 'libc', 'default', 'musl'];

const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 };

/** Where Debian/Ubuntu (multiarch), Alpine, RHEL-likes and local builds put shared libraries. */
export function libraryDirs(arch: string = process.arch): string[] {
  const triplet = MULTIARCH[arch];
  return [...(triplet ? [`/usr/lib/${triplet}`, `/lib/${triplet}`] : []), '/usr/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
}

/** Why `file` cannot be preloaded into this process, or undefined when it can. */
export function unusableLibrary(file: string, arch: string = process.arch): string | undefined {
  let header: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      header = Buffer.alloc(20);
      fs.readSync(fd, header, 0, 20, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `unreadable (${(err as Error).message})`;
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return 'not an ELF shared library';
  const machine = ELF_MACHINE[arch];
  if (machine !== undefined && (header[4] !== 2 || header.readUInt16LE(18) !== machine)) return `built for another processor than this ${arch} node`;
  return undefined;
}

/** The first usable copy of an allocator's library in `dirs`. */
export function findLibrary(name: Exclude<AllocatorName, 'glibc'>, dirs: readonly string[] = libraryDirs()): string | undefined {
  for (const dir of dirs) {
    for (const file of PACKAGES[name].files) {
      const candidate = path.join(dir, file);
      if (fs.existsSync(candidate) && unusableLibrary(candidate) === undefined) return candidate;
    }
  }
  return undefined;
}

/** jemalloc / mimalloc / tcmalloc from a library's file name; undefined for anything else. */
export function allocatorOfFile(file: string): string | undefined {
  const m = /lib(jemalloc|mimalloc|tcmalloc)(?:_minimal)?[.\-_]/.exec(path.basename(file));
  return m ? m[1] : undefined;
}

export interface AllocatorChoice {
  /** The allocator the started process will run with: glibc stands for the C library's own malloc. */
  allocator: string;
  /** The shared library to preload (absent for the C library's malloc). */
  library?: string;
  /** Where the choice came from: AFTERBURNER_MALLOC=..., --malloc ..., or the default. */
  source: string;
  /** Why what was asked for is not what will run (missing library, bad value, not Linux). */
  warnings: string[];
}

function installHint(name: Exclude<AllocatorName, 'glibc'>): string {
  const p = PACKAGES[name];
  return `Debian/Ubuntu: apt-get install ${p.debian}; Alpine: apk add ${p.alpine}`;
}

/**
 * What AFTERBURNER_MALLOC (or `explicit`, the launcher's --malloc) asks for, resolved against the
 * libraries installed here: glibc|system (no preload), jemalloc, mimalloc, or a path to a shared
 * library. Anything that cannot be honoured falls back to the C library's malloc with a warning.
 */
export function resolveAllocator(env: NodeJS.ProcessEnv, explicit?: string, options: { dirs?: readonly string[]; platform?: string } = {}): AllocatorChoice {
  const fromFlag = explicit !== undefined;
  const raw = (fromFlag ? explicit : env.AFTERBURNER_MALLOC) ?? '';
  const value = raw.trim();
  const source = fromFlag ? `--malloc ${value}` : value ? `AFTERBURNER_MALLOC=${value}` : 'default';
  const system: AllocatorChoice = { allocator: 'glibc', source, warnings: [] };
  if (value === '' || SYSTEM_WORDS.includes(value.toLowerCase())) return system;
  const fallback = (why: string): AllocatorChoice => ({ ...system, warnings: [`${source}: ${why}; starting with the C library's malloc`] });
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') return fallback(`preloading an allocator (LD_PRELOAD) is supported on Linux only, not ${platform}`);
  if (value.includes('/')) {
    const why = unusableLibrary(value);
    if (why) return fallback(`${value} cannot be preloaded: ${why}`);
    return { allocator: allocatorOfFile(value) ?? 'custom', library: path.resolve(value), source, warnings: [] };
  }
  const name = value.toLowerCase();
  if (name !== 'jemalloc' && name !== 'mimalloc') {
    return fallback(`unknown allocator ${JSON.stringify(value)} (accepted: ${ALLOCATORS.join(', ')}, system, or the path of a shared library)`);
  }
  const dirs = options.dirs ?? libraryDirs();
  const library = findLibrary(name, dirs);
  if (!library) return fallback(`${PACKAGES[name].files[0]} is not installed (looked in ${dirs.join(', ')}; ${installHint(name)})`);
  return { allocator: name, library, source, warnings: [] };
}

/**
 * jemalloc returns freed memory only from inside its own calls unless its background thread runs,
 * so a service that goes idle after a burst would keep it all: with the thread, retained RSS after
 * a burst and 35 s idle was -54 % against glibc's arena limit + idle trim, at equal throughput
 * (benchmarks/gc/malloc.js, Node 24). A MALLOC_CONF of the caller's own is kept as it is.
 */
export const JEMALLOC_CONF = 'background_thread:true';

/**
 * The environment that starts a process with `choice`: LD_PRELOAD gains the library in front of
 * what is already there (and jemalloc its MALLOC_CONF). An allocator already preloaded by the
 * caller is kept (two allocators in one process would fight over malloc), with a note.
 */
export function preloadEnv(choice: AllocatorChoice, env: NodeJS.ProcessEnv): { env: Record<string, string>; notes: string[] } {
  if (!choice.library) return { env: {}, notes: [] };
  const existing = (env.LD_PRELOAD ?? '').split(/[:\s]+/).filter(Boolean);
  const other = existing.find((lib) => allocatorOfFile(lib) !== undefined);
  if (other !== undefined && path.resolve(other) !== choice.library) {
    return { env: {}, notes: [`LD_PRELOAD already preloads ${other}: kept, ${choice.library} not added (${choice.source} ignored)`] };
  }
  const out: Record<string, string> = {};
  const notes: string[] = [];
  if (other === undefined) out.LD_PRELOAD = [choice.library, ...existing].join(':');
  if (choice.allocator === 'jemalloc') {
    if (env.MALLOC_CONF === undefined || env.MALLOC_CONF.trim() === '') out.MALLOC_CONF = JEMALLOC_CONF;
    else if (!env.MALLOC_CONF.includes('background_thread')) notes.push(`MALLOC_CONF=${env.MALLOC_CONF} from the environment kept (jemalloc returns idle memory only with ${JEMALLOC_CONF})`);
  }
  return { env: out, notes };
}

export interface LiveAllocator {
  /** glibc, musl, jemalloc, mimalloc, tcmalloc, or the platform's allocator (e.g. "darwin") off Linux. */
  name: string;
  /** The mapped library of a replacement allocator. */
  library: string | null;
  /** How it got in: LD_PRELOAD, or linked (mapped without being preloaded). */
  how: 'LD_PRELOAD' | 'linked' | 'C library';
}

/** The allocator of this process, from the libraries mapped into it (/proc/self/maps). */
export function liveAllocator(maps?: string, env: NodeJS.ProcessEnv = process.env): LiveAllocator {
  let text = maps;
  if (text === undefined && process.platform === 'linux') {
    try {
      text = fs.readFileSync('/proc/self/maps', 'utf8');
    } catch {
      text = '';
    }
  }
  const real = (file: string): string => {
    try {
      return fs.realpathSync(file);
    } catch {
      return file;
    }
  };
  // The map names the file itself; LD_PRELOAD often a symlink to it (libmimalloc.so.2 -> .so.2.0).
  const preloaded = (env.LD_PRELOAD ?? '').split(/[:\s]+/).filter(Boolean).map(real);
  for (const line of (text ?? '').split('\n')) {
    const file = line.slice(line.indexOf('/')).trim();
    if (!line.includes('/') || !file.includes('.so')) continue;
    const name = allocatorOfFile(file);
    if (!name) continue;
    const how = preloaded.includes(real(file)) ? 'LD_PRELOAD' : 'linked';
    return { name, library: file, how };
  }
  const musl = /\/ld-musl-|\/libc\.musl-/.test(text ?? '');
  const system = process.platform !== 'linux' && maps === undefined ? process.platform : musl ? 'musl' : 'glibc';
  return { name: system, library: null, how: 'C library' };
}
