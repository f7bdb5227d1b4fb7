/**
 * A pmap-style view of the process: where RSS and VSZ go (V8 heap spaces, glibc arenas and their
 * 64 MB reservations, the malloc heap). Linux + glibc gives every figure; elsewhere the report says
 * what is missing and why, and never throws.
 */
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import type { MallocBinding } from '../core/binding';
import { loadNative, nativeStatus } from '../core/native';
import { errorMessage } from '../core/errors';

const MB = 2 ** 20;
// glibc's non-main arenas live in HEAP_MAX_SIZE (64 MB on 64-bit) regions aligned to that size.
const ARENA_HEAP_BYTES = 64 * MB;

export type { MallocBinding } from '../core/binding';

export function mallocBinding(): MallocBinding | undefined {
  const native = loadNative();
  const malloc = native?.malloc as MallocBinding | undefined;
  return malloc && typeof malloc === 'object' ? malloc : undefined;
}

/** glibc version of the running process from node's own report (no addon needed), or null. */
export function glibcVersion(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    return header?.glibcVersionRuntime ?? null;
  } catch {
    return null;
  }
}

/** Number of malloc arenas (main included), from malloc_info(); undefined when unknown. */
export function arenaCount(binding: MallocBinding | undefined = mallocBinding()): number | undefined {
  if (!binding?.info) return undefined;
  try {
    const xml = binding.info();
    if (typeof xml !== 'string') return undefined;
    return (xml.match(/<heap nr=/g) ?? []).length;
  } catch {
    return undefined;
  }
}

export interface ArenaMapping {
  start: string;
  /** Reserved address space (VSZ), MB: 64 for a full arena heap. */
  reservedMB: number;
  /** The part mapped read-write (what the arena has grown into), MB. */
  committedMB: number;
}

export interface MemoryReport {
  platform: string;
  /** Resident set, MB. */
  rssMB: number;
  /** Peak resident set (VmHWM), MB; null off Linux. */
  peakRssMB: number | null;
  /** Virtual size (VmSize), MB; null off Linux. */
  vszMB: number | null;
  glibc: string | null;
  /** malloc arenas incl. the main one; null when unknown (not glibc, or the addon is missing). */
  arenas: number | null;
  /** Anonymous 64 MB-aligned regions of 64 MB: glibc's per-thread arena heaps. */
  arenaMappings: { count: number; reservedMB: number; committedMB: number; list: ArenaMapping[] } | null;
  /** Where VSZ goes (arena heaps, thread stacks, V8's fixed reservations, files...); null off Linux. */
  vsz: VszBreakdown | null;
  /** mallinfo2() in MB (arena = main heap from brk, hblkhd = mmapped chunks, uordblks = in use, fordblks = free, keepcost = trimmable top). */
  mallinfo2: Record<string, number> | null;
  heap: { totalMB: number; usedMB: number; limitMB: number; externalMB: number; mallocedMB: number };
  /** V8 heap spaces: size (committed) and used, MB. */
  heapSpaces: Record<string, { sizeMB: number; usedMB: number; availableMB: number }>;
  /** What could not be measured here and why. */
  notes: string[];
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function readStatus(): Record<string, number> {
  const out: Record<string, number> = {};
  const text = fs.readFileSync('/proc/self/status', 'utf8');
  for (const line of text.split('\n')) {
    const m = /^(Vm\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

/** Groups anonymous mappings into glibc arena heaps: a 64 MB-aligned run of rw-p + ---p totalling 64 MB. */
export function arenaMappingsFromMaps(maps: string): ArenaMapping[] {
  const found: ArenaMapping[] = [];
  const lines = maps.split('\n');
  const parsed = lines
    .map((line) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
      if (!m) return undefined;
      return { start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3], inode: m[4], path: m[5].trim() };
    })
    .filter((x): x is NonNullable<typeof x> => x !== undefined);
  const size = BigInt(ARENA_HEAP_BYTES);
  for (let i = 0; i < parsed.length; i++) {
    const first = parsed[i];
    if (first.path !== '' || first.inode !== '0' || first.start % size !== 0n) continue;
    let end = first.end;
    let committed = first.perms.startsWith('rw') ? first.end - first.start : 0n;
    let j = i + 1;
    while (end - first.start < size && j < parsed.length && parsed[j].start === end && parsed[j].path === '' && parsed[j].inode === '0') {
      if (parsed[j].perms.startsWith('rw')) committed += parsed[j].end - parsed[j].start;
      end = parsed[j].end;
      j++;
    }
    if (end - first.start === size && first.perms.startsWith('rw')) {
      found.push({ start: '0x' + first.start.toString(16), reservedMB: 64, committedMB: round(Number(committed) / MB) });
      i = j - 1;
    }
  }
  return found;
}

/** Where the address space (VSZ) goes, MB, from /proc/<pid>/maps. */
export interface VszBreakdown {
  totalMB: number;
  /** glibc's per-thread arena heaps (64 MB reservations each). */
  arenaHeapsMB: number;
  /** The main arena's brk heap ([heap]): almost all of it resident. */
  mainHeapMB: number;
  /** Thread stacks with their guard pages (8 MB each by default: libuv threadpool, V8 workers, node's own). */
  threadStacksMB: number;
  threadStacks: number;
  /**
   * Anonymous reservations of 32 MB or more that are not arena heaps: V8's code range (512 MB on
   * x64), and on Node 24/26 two more fixed V8 reservations (128 and 256 MB). Reserved, not resident;
   * no node or V8 flag shrinks them.
   */
  largeReservationsMB: number;
  largeReservations: number[];
  /** The node binary, shared libraries and other file mappings. */
  filesMB: number;
  /** Everything else: V8 heap pages, mmapped malloc chunks, small anonymous mappings. */
  otherMB: number;
}

interface MapLine {
  start: bigint;
  end: bigint;
  perms: string;
  inode: string;
  path: string;
}

function parseMaps(maps: string): MapLine[] {
  const out: MapLine[] = [];
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (m) out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3], inode: m[4], path: m[5].trim() });
  }
  return out;
}

export function vszBreakdownFromMaps(maps: string): VszBreakdown {
  const lines = parseMaps(maps);
  const size = (l: MapLine): number => Number(l.end - l.start) / MB;
  const anon = (l: MapLine | undefined): boolean => l !== undefined && l.path === '' && l.inode === '0';
  const inArena = new Set<bigint>();
  for (const a of arenaMappingsFromMaps(maps)) {
    const start = BigInt(a.start);
    const end = start + BigInt(ARENA_HEAP_BYTES);
    for (const l of lines) if (l.start >= start && l.end <= end) inArena.add(l.start);
  }
  const out: VszBreakdown = { totalMB: 0, arenaHeapsMB: 0, mainHeapMB: 0, threadStacksMB: 0, threadStacks: 0, largeReservationsMB: 0, largeReservations: [], filesMB: 0, otherMB: 0 };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const mb = size(l);
    out.totalMB += mb;
    if (inArena.has(l.start)) out.arenaHeapsMB += mb;
    else if (l.path === '[heap]') out.mainHeapMB += mb;
    else if (l.path === '[stack]') {
      out.threadStacksMB += mb;
      out.threadStacks++;
    } else if (!anon(l)) out.filesMB += mb;
    else if (mb >= 32) {
      out.largeReservationsMB += mb;
      out.largeReservations.push(round(mb));
    } else if (l.perms.startsWith('rw') && mb >= 0.25 && i > 0 && anon(lines[i - 1]) && lines[i - 1].perms === '---p' && lines[i - 1].end === l.start && size(lines[i - 1]) <= 0.0625) {
      // pthread stacks: one mapping whose lowest page(s) are turned into a PROT_NONE guard.
      out.threadStacksMB += mb + size(lines[i - 1]);
      out.threadStacks++;
      out.otherMB -= size(lines[i - 1]);
    } else out.otherMB += mb;
  }
  for (const k of ['totalMB', 'arenaHeapsMB', 'mainHeapMB', 'threadStacksMB', 'largeReservationsMB', 'filesMB', 'otherMB'] as const) out[k] = round(out[k]);
  return out;
}

export function memory(): MemoryReport {
  const notes: string[] = [];
  const linux = process.platform === 'linux';
  let rss = process.memoryUsage.rss();
  let peak: number | null = null;
  let vsz: number | null = null;
  if (linux) {
    try {
      const status = readStatus();
      rss = status.VmRSS ?? rss;
      peak = status.VmHWM ?? null;
      vsz = status.VmSize ?? null;
    } catch (err) {
      notes.push(`/proc/self/status unreadable: ${errorMessage(err)}`);
    }
  } else {
    notes.push(`${process.platform}: VSZ, peak RSS and arena mappings come from /proc and are Linux-only`);
  }
  const glibc = glibcVersion();
  let arenas: number | null = null;
  let mallinfo2: Record<string, number> | null = null;
  let arenaMappings: MemoryReport['arenaMappings'] = null;
  let vszBreakdown: VszBreakdown | null = null;
  if (linux && glibc === null) notes.push('not glibc (musl or another C library): no malloc arenas, malloc_info or mallinfo2 to report');
  if (glibc !== null) {
    const binding = mallocBinding();
    if (!binding || !binding.info) {
      notes.push(`arena count and mallinfo2 need the native addon: ${nativeStatus().error ?? 'malloc controls missing from the build'}`);
    } else {
      arenas = arenaCount(binding) ?? null;
      try {
        const mi = binding.mallinfo2?.();
        if (mi && Object.keys(mi).length) {
          mallinfo2 = {};
          for (const [k, v] of Object.entries(mi)) mallinfo2[k] = k === 'ordblks' || k === 'hblks' ? v : round(v / MB);
        }
      } catch (err) {
        notes.push(`mallinfo2 failed: ${errorMessage(err)}`);
      }
    }
  }
  if (linux) {
    try {
      const maps = fs.readFileSync('/proc/self/maps', 'utf8');
      const list = arenaMappingsFromMaps(maps);
      arenaMappings = { count: list.length, reservedMB: 64 * list.length, committedMB: round(list.reduce((a, m) => a + m.committedMB, 0)), list };
      vszBreakdown = vszBreakdownFromMaps(maps);
    } catch (err) {
      notes.push(`/proc/self/maps unreadable: ${errorMessage(err)}`);
    }
  }
  const h = v8.getHeapStatistics();
  const heapSpaces: MemoryReport['heapSpaces'] = {};
  for (const s of v8.getHeapSpaceStatistics()) {
    heapSpaces[s.space_name] = { sizeMB: round(s.space_size / MB), usedMB: round(s.space_used_size / MB), availableMB: round(s.space_available_size / MB) };
  }
  return {
    platform: `${process.platform}-${process.arch}`,
    rssMB: round(rss / MB),
    peakRssMB: peak === null ? null : round(peak / MB),
    vszMB: vsz === null ? null : round(vsz / MB),
    glibc,
    arenas,
    arenaMappings,
    vsz: vszBreakdown,
    mallinfo2,
    heap: {
      totalMB: round(h.total_heap_size / MB),
      usedMB: round(h.used_heap_size / MB),
      limitMB: round(h.heap_size_limit / MB),
      externalMB: round(h.external_memory / MB),
      mallocedMB: round(h.malloced_memory / MB),
    },
    heapSpaces,
    notes,
  };
}
