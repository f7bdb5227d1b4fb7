/**
 * What the running runtime actually does: its heap defaults and the flags in effect. Every gc
 * decision is made against this, never against a version table, because V8 moved the young
 * generation between releases (16 MB semi-space on Node 20/22, 64 MB on 24, 32 MB on 26 on a
 * large machine, smaller in small containers).
 */
import * as v8 from 'node:v8';

const MB = 2 ** 20;

/** `--name=value` / `--name value` flags from node's command line and NODE_OPTIONS. */
export interface FlagsInEffect {
  /** Normalised name (dashes, no leading `--no-`) -> value (`true` for bare flags). */
  values: Map<string, string | true>;
  /** Where each came from. */
  origin: Map<string, 'command line' | 'NODE_OPTIONS'>;
}

/** Splits NODE_OPTIONS the way node does for the simple cases (quotes, spaces). */
export function splitOptions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else if (c === quote) quote = undefined;
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || current) out.push(current);
      current = '';
      has = false;
    } else {
      current += c;
      has = true;
    }
  }
  if (has || current) out.push(current);
  return out;
}

function normalise(name: string): string {
  return name.replace(/_/g, '-');
}

export function flagsInEffect(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env.NODE_OPTIONS): FlagsInEffect {
  const values = new Map<string, string | true>();
  const origin = new Map<string, 'command line' | 'NODE_OPTIONS'>();
  const scan = (args: readonly string[], from: 'command line' | 'NODE_OPTIONS'): void => {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (!arg.startsWith('--')) continue;
      const eq = arg.indexOf('=');
      const name = normalise(eq === -1 ? arg : arg.slice(0, eq));
      let value: string | true = eq === -1 ? true : arg.slice(eq + 1);
      // Sizes we care about take a value; accept the `--flag value` form too.
      if (value === true && /size|pool/.test(name) && i + 1 < args.length && /^\d/.test(args[i + 1])) value = args[++i];
      values.set(name, value);
      origin.set(name, from);
    }
  };
  // Node applies NODE_OPTIONS first and the command line after, so the command line wins.
  if (nodeOptions) scan(splitOptions(nodeOptions), 'NODE_OPTIONS');
  scan(execArgv, 'command line');
  return { values, origin };
}

export function numericFlag(flags: FlagsInEffect, name: string): number | undefined {
  const v = flags.values.get(name);
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export interface YoungGeneration {
  /** Maximum semi-space size in MB (the young generation is about 3x this: two semi-spaces and the new large-object space). */
  maxSemiSpaceMB: number;
  /** How the figure was obtained. */
  source: string;
  /** V8's whole heap limit (old + young) in MB. */
  heapSizeLimitMB: number;
  /** The old-generation limit in MB. */
  oldSpaceMB: number;
  /** True when `--max-semi-space-size` was given explicitly (the runtime default is then unknown). */
  fromFlag?: boolean;
}

/**
 * The maximum semi-space size this isolate was configured with. V8 does not expose it directly,
 * but `heap_size_limit` is the old-generation limit plus three semi-spaces (to, from and the new
 * large-object space). With `--max-old-space-size` known that is exact; otherwise the old
 * generation is a round figure (a power-of-two-ish share of memory), so the semi-space candidate
 * that leaves the roundest old generation wins.
 */
export function youngGeneration(flags: FlagsInEffect = flagsInEffect(), heapSizeLimit: number = v8.getHeapStatistics().heap_size_limit): YoungGeneration {
  const limitMB = heapSizeLimit / MB;
  const semiFlag = numericFlag(flags, '--max-semi-space-size');
  const oldFlag = numericFlag(flags, '--max-old-space-size');
  if (semiFlag !== undefined) {
    return { maxSemiSpaceMB: semiFlag, source: `--max-semi-space-size=${semiFlag} (${flags.origin.get('--max-semi-space-size')})`, heapSizeLimitMB: limitMB, oldSpaceMB: limitMB - 3 * semiFlag, fromFlag: true };
  }
  if (oldFlag !== undefined && limitMB > oldFlag) {
    const semi = (limitMB - oldFlag) / 3;
    return { maxSemiSpaceMB: semi, source: `runtime default (heap_size_limit ${limitMB.toFixed(0)} MB minus --max-old-space-size=${oldFlag}, over 3)`, heapSizeLimitMB: limitMB, oldSpaceMB: oldFlag };
  }
  let best = { semi: 16, score: -1 };
  for (const semi of [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256]) {
    const old = limitMB - 3 * semi;
    if (old <= 0) continue;
    // Score: how many trailing zero bits the old generation has in units of 256 KB (V8's page).
    let units = Math.round(old * 4);
    if (Math.abs(units - old * 4) > 1e-6 || units === 0) continue;
    let score = 0;
    while (units % 2 === 0 && score < 40) {
      units /= 2;
      score++;
    }
    if (score > best.score) best = { semi, score };
  }
  return {
    maxSemiSpaceMB: best.semi,
    source: `runtime default (inferred from heap_size_limit ${limitMB.toFixed(0)} MB)`,
    heapSizeLimitMB: limitMB,
    oldSpaceMB: limitMB - 3 * best.semi,
  };
}

/** Current new-space size (MB): grows toward the maximum as objects survive scavenges. */
export function newSpaceMB(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_size / MB;
  return 0;
}

/**
 * Flags each Node major accepts in NODE_OPTIONS, among the ones a profile may use. The running
 * version is asked directly (process.allowedNodeEnvironmentFlags); this table is for printing
 * lines for another version and is checked against each binary by test/35.
 */
export const NODE_OPTIONS_ACCEPTS: Record<number, readonly string[]> = {
  20: ['--max-semi-space-size', '--max-old-space-size', '--require', '--v8-pool-size'],
  22: ['--max-semi-space-size', '--max-old-space-size', '--require', '--v8-pool-size'],
  24: ['--max-semi-space-size', '--max-old-space-size', '--require', '--v8-pool-size'],
  26: ['--max-semi-space-size', '--max-old-space-size', '--require', '--v8-pool-size'],
};

export function runningMajor(): number {
  return Number(process.versions.node.split('.')[0]);
}

/** Whether `flag` may go in NODE_OPTIONS on Node `major` (the running version is asked itself). */
export function acceptedInNodeOptions(flag: string, major: number = runningMajor()): boolean {
  if (major === runningMajor() && process.allowedNodeEnvironmentFlags) return process.allowedNodeEnvironmentFlags.has(flag);
  const table = NODE_OPTIONS_ACCEPTS[major] ?? NODE_OPTIONS_ACCEPTS[26];
  return table.includes(flag);
}
