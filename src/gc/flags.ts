/**
 * V8 flags at run time (v8.setFlagsFromString after the isolate started). Most flags either do
 * nothing then (every heap-sizing flag: the heap is configured at start) or break V8
 * (`--single-threaded-gc` aborts Node 20 at the next full GC). Only flags on this list are ever set; each one is
 * set in a child process on every supported Node version by test/32.
 */
import * as v8 from 'node:v8';
import { invalidParameterError } from '../core/errors';

export interface RuntimeFlag {
  flag: string;
  why: string;
}

export const RUNTIME_FLAG_ALLOW_LIST: readonly RuntimeFlag[] = [
  {
    flag: '--optimize-for-size',
    why: 'read by the heap on every growth decision, so it takes effect at run time: the young generation stays small and the old generation grows slowly (peak RSS about half on Node 24 JSON work, for about a fifth of the throughput)',
  },
  { flag: '--no-optimize-for-size', why: 'undoes --optimize-for-size' },
  { flag: '--trace-gc', why: 'diagnostic: one line per collection on stdout (read on every GC)' },
  { flag: '--no-trace-gc', why: 'undoes --trace-gc' },
];

// Flags with a known reason to refuse, so the message can say why instead of "not listed".
const KNOWN_UNSAFE: readonly [RegExp, string][] = [
  [
    /^--(max|min)-(semi|old)-space-size|^--max-heap-size|^--semi-space-growth-factor|^--initial-heap-size|^--initial-old-space-size/,
    'heap sizing flags have no effect once the heap is configured at start; start the process with them instead (`npx afterburner <script>` or the NODE_OPTIONS line from `npx afterburner env`)',
  ],
  [/^--single-threaded-gc|^--single-threaded|^--predictable/, 'changing the GC threading after start aborts the process at the next full GC on some versions (V8 check failure on Node 20)'],
];

const ALLOWED = new Set(RUNTIME_FLAG_ALLOW_LIST.map((f) => f.flag));
const applied: string[] = [];

/** Why `flag` may not be set at run time, or undefined when it may. */
export function refusal(flag: string): string | undefined {
  const name = flag.trim().split('=')[0].replace(/_/g, '-');
  if (ALLOWED.has(name) && !flag.includes('=')) return undefined;
  for (const [pattern, why] of KNOWN_UNSAFE) if (pattern.test(name)) return `${flag} refused: ${why}`;
  return `${flag} refused: only flags proven safe at run time are set (${[...ALLOWED].join(', ')}); anything else belongs on node's command line`;
}

/** Sets one allow-listed V8 flag at run time; throws a RangeError naming the reason otherwise. */
export function setRuntimeFlag(flag: string): void {
  if (typeof flag !== 'string') throw invalidParameterError('flag', 'a V8 flag string such as "--optimize-for-size"', flag);
  const why = refusal(flag);
  if (why !== undefined) throw new RangeError(`afterburner: ${why}`);
  v8.setFlagsFromString(flag.trim());
  applied.push(flag.trim());
}

export function appliedRuntimeFlags(): string[] {
  return [...applied];
}
