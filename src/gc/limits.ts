/**
 * How much memory this process may use. Every size a profile chooses is derived from this figure,
 * so a profile never asks for more than a small container can give.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface MemoryLimit {
  /** Bytes available to the process. */
  bytes: number;
  /** Where the figure comes from, for status() and the launcher's comments. */
  source: string;
}

/** Reads a file or returns undefined; injectable so tests can fake a cgroup. */
export type FileReader = (file: string) => string | undefined;

const readFile: FileReader = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

// cgroup v1 reports "no limit" as a huge number rounded to the page size.
const UNLIMITED = 2 ** 60;

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim();
  if (value === '' || value === 'max') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 && n < UNLIMITED ? n : undefined;
}

/** The cgroup path of this process for the memory controller, v2 first. */
function cgroupDirs(read: FileReader): { v2: string[]; v1: string[] } {
  const v2 = ['/sys/fs/cgroup'];
  const v1 = ['/sys/fs/cgroup/memory'];
  const self = read('/proc/self/cgroup');
  if (self) {
    for (const line of self.split('\n')) {
      const [, controllers, p] = line.split(':');
      if (p === undefined || p === '/') continue;
      if (controllers === '') v2.unshift(`/sys/fs/cgroup${p}`);
      else if (controllers.split(',').includes('memory')) v1.unshift(`/sys/fs/cgroup/memory${p}`);
    }
  }
  return { v2, v1 };
}

/**
 * cgroup v2 `memory.max`, cgroup v1 `memory.limit_in_bytes`, else physical memory; whichever is
 * smallest wins (a container limit above physical memory is not a real limit).
 * `AFTERBURNER_GC_MEMORY_LIMIT` (bytes, or with a k/m/g suffix) overrides, for tests and for
 * sizing a Dockerfile line on a build machine that is not the target.
 */
export function memoryLimit(options: { env?: Record<string, string | undefined>; read?: FileReader; totalmem?: number } = {}): MemoryLimit {
  const env = options.env ?? process.env;
  const read = options.read ?? readFile;
  const total = options.totalmem ?? os.totalmem();
  const override = env.AFTERBURNER_GC_MEMORY_LIMIT;
  if (override !== undefined && override.trim() !== '') {
    const parsed = parseSize(override);
    if (parsed !== undefined) return { bytes: parsed, source: `AFTERBURNER_GC_MEMORY_LIMIT=${override.trim()}` };
  }
  const dirs = cgroupDirs(read);
  let best: MemoryLimit = { bytes: total, source: 'physical memory (os.totalmem())' };
  for (const dir of dirs.v2) {
    const limit = parseLimit(read(`${dir}/memory.max`));
    if (limit !== undefined && limit < best.bytes) best = { bytes: limit, source: `cgroup v2 ${dir}/memory.max` };
  }
  for (const dir of dirs.v1) {
    const limit = parseLimit(read(`${dir}/memory.limit_in_bytes`));
    if (limit !== undefined && limit < best.bytes) best = { bytes: limit, source: `cgroup v1 ${dir}/memory.limit_in_bytes` };
  }
  return best;
}

/** "512m", "2g", "1048576" -> bytes; undefined when it does not parse. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase()[0];
  const factor = unit === 'k' ? 2 ** 10 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : 1;
  const bytes = Math.floor(Number(m[1]) * factor);
  return bytes >= 16 * 2 ** 20 ? bytes : undefined;
}
