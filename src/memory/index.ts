// Public helpers of the memory part (exported as require('afterburner').memory): objgraph-style
// leak diagnostics. Everything that takes a heap snapshot is async, says so in its documentation,
// and returns `snapshot: { snapshotMs, parseMs, bytes, nodes, edges }`: the snapshot itself blocks
// the thread (V8 collects and serializes the whole heap), the reading yields between 1 MB chunks.
// count() and byType() take no snapshot (./query), and growth() neither when given the types.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { invalidParameterError, outOfRangeError } from '../core/errors';
import { backrefs, edgeInfo, findProbe, isInternalKey, nodeInfo, refs, shortestPath, typeKey, type EdgeInfo, type NodeInfo } from './graph';
import { takeSnapshot, type SnapshotGraph, type SnapshotOptions, type SnapshotTiming } from './snapshot';
import { expectCollected as expectCollectedImpl } from './gc';
import { countTypes as queryCounts, type TypeSpec } from './query';
import { render } from './render';

export { forceGC, gcMode, leaks } from './gc';
export type { GcMode } from './gc';
export { count, byType } from './query';
export type { TypeSpec, QueryOptions, ByTypeOptions } from './query';
export { render } from './render';
export type { NodeInfo, EdgeInfo } from './graph';
export type { SnapshotTiming, SnapshotOptions } from './snapshot';

export interface TypeCount {
  type: string;
  count: number;
  /** Sum of the instances' own sizes in bytes (not what they retain). */
  selfSize: number;
}

export interface TypeCountOptions extends SnapshotOptions {
  /** Include V8's internal kinds: (system), (code), (array), (string), (number)... Default false. */
  internal?: boolean;
}

function checkLimit(limit: unknown): number {
  if (limit === undefined) return 10;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw outOfRangeError('limit', 'a positive integer', limit);
  return limit;
}

function checkOptions(options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw invalidParameterError('options', 'an object or undefined', options);
  return options as Record<string, unknown>;
}

function countTypes(graph: SnapshotGraph, internal: boolean): Map<string, { count: number; selfSize: number }> {
  const counts = new Map<string, { count: number; selfSize: number }>();
  for (let node = 0; node < graph.nodeCount; node++) {
    const key = typeKey(graph, node);
    if (key === undefined || (!internal && isInternalKey(key))) continue;
    const entry = counts.get(key);
    if (entry) {
      entry.count++;
      entry.selfSize += graph.nodeSelfSize[node];
    } else counts.set(key, { count: 1, selfSize: graph.nodeSelfSize[node] });
  }
  return counts;
}

/**
 * Takes a heap snapshot (blocking; see `snapshot.snapshotMs`) and returns the `limit` types with
 * the most live instances, like objgraph's show_most_common_types. Types are constructor names;
 * closures count as "Function". V8 collects garbage before a snapshot, so only live objects count.
 */
export async function mostCommonTypes(limit?: number, options?: TypeCountOptions): Promise<{ types: TypeCount[]; snapshot: SnapshotTiming }> {
  const n = checkLimit(limit);
  const opts = checkOptions(options) as TypeCountOptions;
  const { graph, timing } = await takeSnapshot({ edges: false, dir: opts.dir });
  const types = [...countTypes(graph, opts.internal === true)]
    .map(([type, c]) => ({ type, count: c.count, selfSize: c.selfSize }))
    .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1))
    .slice(0, n);
  return { types, snapshot: timing };
}

export interface TypeGrowth {
  type: string;
  count: number;
  /** Instances gained since the previous growth() call (the first call compares with zero). */
  delta: number;
}

export interface GrowthOptions extends TypeCountOptions {
  /**
   * Watch only these types (classes, or constructor names as mostCommonTypes() prints them):
   * counted like count() does, with no heap snapshot. Instances of subclasses count unless
   * `exact` is true.
   */
  types?: readonly TypeSpec[];
  /** With `types`: only instances whose prototype is exactly the class's. */
  exact?: boolean;
}

export interface QueryTiming {
  /** Time the thread was blocked counting (one full GC and heap walk per type, plus one per name). */
  queryMs: number;
}

// Snapshot counts (by constructor name) and query counts (by prototype chain) are different
// measures, so each mode compares only with its own previous call.
let previousCounts: Map<string, number> | undefined;
let previousQueried: Map<string, number> | undefined;

/**
 * Returns the types whose instance counts grew the most since the previous call, like objgraph's
 * show_growth. Only growth is listed (delta > 0). Takes a heap snapshot (blocking; `snapshot`
 * says how long), unless `options.types` names the types to watch: then each is counted without
 * a snapshot (see count()) and `query` says how long that blocked.
 */
export async function growth(limit?: number, options?: GrowthOptions): Promise<{ types: TypeGrowth[]; snapshot?: SnapshotTiming; query?: QueryTiming }> {
  const n = checkLimit(limit);
  const opts = checkOptions(options) as GrowthOptions;
  let counts: Map<string, number>;
  let before: Map<string, number>;
  let timing: { snapshot?: SnapshotTiming; query?: QueryTiming };
  if (opts.types !== undefined) {
    if (!Array.isArray(opts.types) || opts.types.length === 0) throw invalidParameterError('options.types', 'a non-empty array of classes or constructor names', opts.types);
    const t0 = performance.now();
    counts = queryCounts(opts.types, { exact: opts.exact });
    timing = { query: { queryMs: performance.now() - t0 } };
    before = previousQueried ?? new Map<string, number>();
    previousQueried = new Map([...before, ...counts]);
  } else {
    const taken = await takeSnapshot({ edges: false, dir: opts.dir });
    counts = new Map([...countTypes(taken.graph, opts.internal === true)].map(([type, c]) => [type, c.count]));
    timing = { snapshot: taken.timing };
    before = previousCounts ?? new Map<string, number>();
    previousCounts = counts;
  }
  const types = [...counts]
    .map(([type, count]) => ({ type, count, delta: count - (before.get(type) ?? 0) }))
    .filter((t) => t.delta > 0)
    .sort((a, b) => b.delta - a.delta || (a.type < b.type ? -1 : 1))
    .slice(0, n);
  return { types, ...timing };
}

/** Forgets growth()'s previous counts: the next call compares with zero again. */
export function resetGrowth(): void {
  previousCounts = undefined;
  previousQueried = undefined;
}

export interface RetainerChain {
  /** False when no path was found within maxDepth (the object is only on the stack, or is garbage). */
  found: boolean;
  /** From the root side to the object: nodes[0] is a GC root (or "(GC roots)"), the last is the object. */
  nodes: NodeInfo[];
  /** edges[i] leads from nodes[i] to nodes[i + 1]. */
  edges: EdgeInfo[];
  snapshot: SnapshotTiming;
}

export interface ChainOptions extends SnapshotOptions {
  /** Longest path searched, in edges. Default 100. */
  maxDepth?: number;
}

// A strongly held probe identifies `obj` in the snapshot without touching `obj` itself: the
// probe's one property (a random name) points at it. The probe's own edges are excluded from the
// search, and the probe is dropped right after the snapshot is written.
let probe: Record<string, object> | undefined;

async function snapshotWithProbe(obj: object, edges: boolean, dir: string | undefined): Promise<{ graph: SnapshotGraph; timing: SnapshotTiming; target: number; holder: number }> {
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) throw invalidParameterError('obj', 'an object', obj);
  const key = `__afterburner_probe_${randomBytes(8).toString('hex')}`;
  probe = { [key]: obj };
  const { graph, timing } = await takeSnapshot({ edges, dir }, () => {
    probe = undefined;
  });
  const found = findProbe(graph, key);
  if (!found) throw new Error('afterburner: the probed object was not found in the heap snapshot');
  return { graph, timing, ...found };
}

function checkDepth(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw outOfRangeError('options.maxDepth', 'a positive integer', value);
  return value;
}

/**
 * Takes a heap snapshot (blocking) and returns the shortest chain of references from a GC root
 * to `obj`, like objgraph's find_backref_chain. References held only by the running code's stack
 * and handle scopes (the caller's own variables) are ignored, and so are weak references.
 */
export async function retainerChain(obj: object, options?: ChainOptions): Promise<RetainerChain> {
  const opts = checkOptions(options) as ChainOptions;
  const maxDepth = checkDepth(opts.maxDepth, 100);
  const { graph, timing, target, holder } = await snapshotWithProbe(obj, true, opts.dir);
  const path = shortestPath(graph, target, maxDepth, new Set([holder]));
  if (!path) return { found: false, nodes: [nodeInfo(graph, target)], edges: [], snapshot: timing };
  // The synthetic root (node 0) is not a heap object: start at the first real root.
  return {
    found: true,
    nodes: path.nodes.slice(1).map((n) => nodeInfo(graph, n)),
    edges: path.edges.slice(1).map((e) => edgeInfo(graph, e)),
    snapshot: timing,
  };
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function nodeLabel(node: NodeInfo): string {
  return shorten(node.name ? `${node.name}\n(${node.type} @${node.id})` : `(${node.type} @${node.id})`);
}

function edgeLabel(edge: EdgeInfo): string {
  if (edge.type === 'element') return `[${edge.name}]`;
  if (edge.type === 'context') return `context ${shorten(edge.name, 40)}`;
  if (edge.type === 'property') return shorten(edge.name, 40);
  return `${edge.type} ${shorten(edge.name, 40)}`;
}

/** Renders a retainerChain() result as Graphviz DOT text (`dot -Tsvg`), root at the top. */
export function toDot(chain: Pick<RetainerChain, 'nodes' | 'edges'>): string {
  if (typeof chain !== 'object' || chain === null || !Array.isArray(chain.nodes) || !Array.isArray(chain.edges)) {
    throw invalidParameterError('chain', 'a retainerChain() result', chain);
  }
  const lines = ['digraph retainers {', '  rankdir=TB;', '  node [shape=box, fontname="Helvetica"];'];
  chain.nodes.forEach((node, i) => {
    const last = i === chain.nodes.length - 1;
    lines.push(`  n${i} [label=${dotString(nodeLabel(node))}${last ? ', style=filled, fillcolor="#f4cccc"' : ''}];`);
  });
  chain.edges.forEach((edge, i) => {
    if (i + 1 < chain.nodes.length) lines.push(`  n${i} -> n${i + 1} [label=${dotString(edgeLabel(edge))}];`);
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

export interface PictureOptions {
  /**
   * Also write the graph to this file: `.svg` renders it (render(), no system Graphviz needed),
   * `.dot` writes the DOT text. Like objgraph's `filename=`.
   */
  filename?: string;
}

export interface BackrefsOptions extends SnapshotOptions, PictureOptions {
  /** Levels of retainers to follow back from obj. Default 4. */
  maxDepth?: number;
  /** Stop adding nodes past this many (the graph says it was truncated). Default 80. */
  maxNodes?: number;
}

export interface GraphPicture {
  dot: string;
  nodes: number;
  truncated: boolean;
  snapshot: SnapshotTiming;
  /** The file written when `filename` was given. */
  file?: string;
}

function checkMaxNodes(value: unknown): number {
  if (value === undefined) return 80;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw outOfRangeError('options.maxNodes', 'a positive integer', value);
  return value;
}

function checkFilename(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/\.(svg|dot|gv)$/i.test(value)) throw invalidParameterError('options.filename', 'a file name ending in .svg or .dot', value);
  return value;
}

async function writePicture(dot: string, filename: string | undefined): Promise<string | undefined> {
  if (filename === undefined) return undefined;
  const text = /\.svg$/i.test(filename) ? await render(dot) : dot;
  await fs.promises.writeFile(filename, text);
  return filename;
}

/**
 * Takes a heap snapshot (blocking) and renders `obj` with its retainers, their retainers, ... up to
 * maxDepth levels, as Graphviz DOT text, like objgraph's show_backrefs. Returns the DOT text with
 * the snapshot timing; `filename` also writes it (.svg rendered, or .dot).
 */
export async function backrefsDot(obj: object, options?: BackrefsOptions): Promise<GraphPicture> {
  const opts = checkOptions(options) as BackrefsOptions;
  const maxDepth = checkDepth(opts.maxDepth, 4);
  const maxNodes = checkMaxNodes(opts.maxNodes);
  const filename = checkFilename(opts.filename);
  const { graph, timing, target, holder } = await snapshotWithProbe(obj, true, opts.dir);
  const found = backrefs(graph, target, maxDepth, maxNodes, new Set([holder]));
  const ids = new Map(found.nodes.map((n, i) => [n, `n${i}`]));
  const lines = ['digraph backrefs {', '  rankdir=BT;', '  node [shape=box, fontname="Helvetica"];'];
  for (const n of found.nodes) {
    const style = n === target ? ', style=filled, fillcolor="#f4cccc"' : '';
    lines.push(`  ${ids.get(n)} [label=${dotString(nodeLabel(nodeInfo(graph, n)))}${style}];`);
  }
  for (const link of found.links) {
    lines.push(`  ${ids.get(link.to)} -> ${ids.get(link.from)} [dir=back, label=${dotString(edgeLabel(edgeInfo(graph, link.edge)))}];`);
  }
  if (found.truncated) lines.push(`  truncated [shape=plaintext, label="(more retainers not shown: maxNodes=${maxNodes})"];`);
  lines.push('}');
  const dot = lines.join('\n') + '\n';
  const file = await writePicture(dot, filename);
  return { dot, nodes: found.nodes.length, truncated: found.truncated, snapshot: timing, ...(file ? { file } : {}) };
}

export interface RefsOptions extends SnapshotOptions, PictureOptions {
  /** Levels of references to follow from obj. Default 3. */
  maxDepth?: number;
  /** Stop adding nodes past this many (the graph says it was truncated). Default 80. */
  maxNodes?: number;
  /**
   * Every edge as V8 reports it (hidden classes, contexts and hash tables as their own nodes).
   * Default false: what the program holds (properties, elements, captured variables, Map and
   * Set entries, weak references dashed).
   */
  internal?: boolean;
}

/**
 * Takes a heap snapshot (blocking) and renders what `obj` holds, what that holds, ... up to
 * maxDepth levels, as Graphviz DOT text, like objgraph's show_refs: the forward counterpart of
 * backrefsDot(). Strings and numbers are leaves; `filename` also writes the picture.
 */
export async function refsDot(obj: object, options?: RefsOptions): Promise<GraphPicture> {
  const opts = checkOptions(options) as RefsOptions;
  const maxDepth = checkDepth(opts.maxDepth, 3);
  const maxNodes = checkMaxNodes(opts.maxNodes);
  const filename = checkFilename(opts.filename);
  if (opts.internal !== undefined && typeof opts.internal !== 'boolean') throw invalidParameterError('options.internal', 'a boolean', opts.internal);
  const { graph, timing, target } = await snapshotWithProbe(obj, true, opts.dir);
  const found = refs(graph, target, maxDepth, maxNodes, opts.internal === true);
  const ids = new Map(found.nodes.map((n, i) => [n, `n${i}`]));
  const lines = ['digraph refs {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const n of found.nodes) {
    const style = n === target ? ', style=filled, fillcolor="#d9ead3"' : '';
    lines.push(`  ${ids.get(n)} [label=${dotString(nodeLabel(nodeInfo(graph, n)))}${style}];`);
  }
  for (const link of found.links) {
    lines.push(`  ${ids.get(link.from)} -> ${ids.get(link.to)} [label=${dotString(shorten(link.label, 40))}${link.weak ? ', style=dashed' : ''}];`);
  }
  if (found.truncated) lines.push(`  truncated [shape=plaintext, label="(more references not shown: maxNodes=${maxNodes})"];`);
  lines.push('}');
  const dot = lines.join('\n') + '\n';
  const file = await writePicture(dot, filename);
  return { dot, nodes: found.nodes.length, truncated: found.truncated, snapshot: timing, ...(file ? { file } : {}) };
}

/** Records that `obj` should be garbage by the time `await leaks()` runs (held weakly). */
export function expectCollected(obj: object, label: string): void {
  if ((typeof obj !== 'object' && typeof obj !== 'function') || obj === null) throw invalidParameterError('obj', 'an object', obj);
  if (typeof label !== 'string') throw invalidParameterError('label', 'a string', label);
  expectCollectedImpl(obj, label);
}
