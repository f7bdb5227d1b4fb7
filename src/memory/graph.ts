/**
 * Queries on a parsed snapshot: type counts, the shortest retaining path from the GC roots, and
 * the back-reference neighbourhood of a node.
 */
import type { SnapshotGraph } from './snapshot';

export interface NodeInfo {
  /** V8's node type: object, closure, array, hidden, native, ... */
  type: string;
  /** Constructor name for objects, function name for closures, root names like "(GC roots)". */
  name: string;
  /** Heap snapshot object id (stable across snapshots of the same process). */
  id: number;
  selfSize: number;
}

export interface EdgeInfo {
  /** V8's edge type: property, element, context (closure variable), internal, hidden, shortcut. */
  type: string;
  /** Property or variable name, or the element index as a string. */
  name: string;
}

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/**
 * The grouping key for type counts: constructor names for objects (what objgraph calls the type),
 * and a parenthesised kind for V8's internal node types, the way DevTools' summary groups them.
 */
export function typeKey(g: SnapshotGraph, node: number): string | undefined {
  const type = g.nodeTypeNames[g.nodeType[node]];
  switch (type) {
    case 'object':
    case 'native':
      return g.strings[g.nodeName[node]] ?? '(unknown)';
    case 'closure':
      return 'Function';
    case 'regexp':
      return 'RegExp';
    case 'symbol':
      return 'Symbol';
    case 'bigint':
      return 'BigInt';
    case 'synthetic':
      return undefined;
    default:
      return STRING_TYPES.has(type) ? '(string)' : `(${type})`;
  }
}

/** True for kinds a service's own code does not create directly (V8's system objects, code, shapes). */
export function isInternalKey(key: string): boolean {
  return key.startsWith('(') || key.startsWith('system /');
}

export function nodeInfo(g: SnapshotGraph, node: number): NodeInfo {
  const type = g.nodeTypeNames[g.nodeType[node]] ?? 'unknown';
  const name = STRING_TYPES.has(type) ? '(string)' : (g.strings[g.nodeName[node]] ?? '');
  return { type, name, id: g.nodeId[node], selfSize: g.nodeSelfSize[node] };
}

export function edgeInfo(g: SnapshotGraph, edge: number): EdgeInfo {
  const type = g.edgeTypeNames[g.edgeType[edge]] ?? 'unknown';
  const name = type === 'element' || type === 'hidden' ? String(g.edgeName[edge]) : (g.strings[g.edgeName[edge]] ?? '');
  return { type, name };
}

/** Index of the node that has the given edge (edges are stored grouped by owner). */
export function edgeOwner(g: SnapshotGraph, edge: number): number {
  let lo = 0;
  let hi = g.nodeCount - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.firstEdge[mid] <= edge) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Finds the node that `holder`'s property edge named `key` points to: how a probed object is found. */
export function findProbe(g: SnapshotGraph, key: string): { holder: number; target: number } | undefined {
  const property = g.edgeTypeNames.indexOf('property');
  let keyIndex = -1;
  for (let s = 0; s < g.strings.length; s++) {
    if (g.strings[s] === key) {
      keyIndex = s;
      break;
    }
  }
  if (keyIndex < 0) return undefined;
  for (let e = 0; e < g.edgeCount; e++) {
    if (g.edgeName[e] === keyIndex && g.edgeType[e] === property) return { holder: edgeOwner(g, e), target: g.edgeTo[e] };
  }
  return undefined;
}

/**
 * Gc-root subtrees that hold references only for the duration of the code running right now:
 * the caller of retainerChain() has the object in a local or a handle, which would otherwise
 * always be the shortest path and never the interesting one.
 */
export const TRANSIENT_ROOTS = new Set(['(Stack roots)', '(Handle scope)']);

export interface PathResult {
  nodes: number[];
  edges: number[];
}

/**
 * Breadth-first search from the synthetic root over strong edges (weak edges do not retain),
 * skipping the transient roots and the `exclude` nodes, up to `maxDepth` edges.
 */
export function shortestPath(g: SnapshotGraph, to: number, maxDepth: number, exclude: ReadonlySet<number>): PathResult | undefined {
  const weak = g.edgeTypeNames.indexOf('weak');
  const parentEdge = new Int32Array(g.nodeCount).fill(-1);
  const parentNode = new Uint32Array(g.nodeCount);
  const seen = new Uint8Array(g.nodeCount);
  let frontier = [0];
  seen[0] = 1;
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const next: number[] = [];
    for (const node of frontier) {
      if (exclude.has(node)) continue;
      for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
        if (g.edgeType[e] === weak) continue;
        const child = g.edgeTo[e];
        if (seen[child]) continue;
        if (depth <= 1 && TRANSIENT_ROOTS.has(g.strings[g.nodeName[child]] ?? '')) continue;
        seen[child] = 1;
        parentEdge[child] = e;
        parentNode[child] = node;
        if (child === to) return unwind(parentEdge, parentNode, to);
        next.push(child);
      }
    }
    frontier = next;
  }
  return undefined;
}

function unwind(parentEdge: Int32Array, parentNode: Uint32Array, to: number): PathResult {
  const nodes = [to];
  const edges: number[] = [];
  let at = to;
  while (at !== 0) {
    edges.push(parentEdge[at]);
    at = parentNode[at];
    nodes.push(at);
  }
  return { nodes: nodes.reverse(), edges: edges.reverse() };
}

/**
 * The retainers of `to` up to `maxDepth` levels back, at most `maxNodes` nodes: a list of edges
 * (from, edge, to). One scan over all edges per level; no reverse index is built.
 */
export function backrefs(g: SnapshotGraph, to: number, maxDepth: number, maxNodes: number, exclude: ReadonlySet<number>): { nodes: number[]; links: { from: number; edge: number; to: number }[]; truncated: boolean } {
  const weak = g.edgeTypeNames.indexOf('weak');
  const included = new Map<number, number>([[to, 0]]);
  const links: { from: number; edge: number; to: number }[] = [];
  let frontier = new Set([to]);
  let truncated = false;
  for (let depth = 0; depth < maxDepth && frontier.size; depth++) {
    const next = new Set<number>();
    for (let node = 0; node < g.nodeCount; node++) {
      if (exclude.has(node)) continue;
      for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
        const child = g.edgeTo[e];
        if (!frontier.has(child) || g.edgeType[e] === weak) continue;
        if (node === 0 || TRANSIENT_ROOTS.has(g.strings[g.nodeName[node]] ?? '')) continue;
        if (!included.has(node)) {
          if (included.size >= maxNodes) {
            truncated = true;
            continue;
          }
          included.set(node, depth + 1);
          next.add(node);
        }
        links.push({ from: node, edge: e, to: child });
      }
    }
    frontier = next;
  }
  return { nodes: [...included.keys()], links, truncated };
}

// Internal edges that are V8's bookkeeping, never what a program holds: hidden classes, backing
// stores whose entries are reported as the owner's own element/property edges, compiled code.
const HIDDEN_INTERNAL = new Set(['map', 'properties', 'elements', 'feedback_cell', 'shared', 'code', 'scope_info', 'native_context', 'extension', 'initial_map']);

export interface RefLink {
  from: number;
  to: number;
  /** What the reference is called in the picture: a property name, `[index]`, `context name`, ... */
  label: string;
  weak: boolean;
}

function isContext(g: SnapshotGraph, node: number): boolean {
  return (g.strings[g.nodeName[node]] ?? '') === 'system / Context';
}

/**
 * What `node` holds, the way a program sees it: properties (not __proto__), elements, a closure's
 * captured variables (its own context flattened into it, the enclosing scopes as one "outer scope"
 * node), a Map's or Set's entries (its hash table flattened), an ArrayBuffer behind a view, weak
 * references (marked). V8's hidden objects (hidden classes, accessor pairs, oddballs) are left out.
 * With `internal`, every edge as V8 reports it instead.
 */
export function forwardRefs(g: SnapshotGraph, node: number, internal: boolean): RefLink[] {
  const out: RefLink[] = [];
  const weakType = g.edgeTypeNames.indexOf('weak');
  const hiddenNode = g.nodeTypeNames.indexOf('hidden');
  const edgeName = (e: number): string => edgeInfo(g, e).name;
  const add = (e: number, label: string): void => {
    if (!internal && g.nodeType[g.edgeTo[e]] === hiddenNode) return;
    out.push({ from: node, to: g.edgeTo[e], label, weak: g.edgeType[e] === weakType });
  };
  const context = (ctx: number): void => {
    for (let e = g.firstEdge[ctx]; e < g.firstEdge[ctx + 1]; e++) {
      const type = g.edgeTypeNames[g.edgeType[e]];
      if (type === 'context') add(e, `context ${edgeName(e)}`);
      else if (type === 'internal' && edgeName(e) === 'previous' && isContext(g, g.edgeTo[e])) add(e, 'outer scope');
    }
  };
  if (!internal && isContext(g, node)) {
    context(node);
    return out;
  }
  for (let e = g.firstEdge[node]; e < g.firstEdge[node + 1]; e++) {
    const type = g.edgeTypeNames[g.edgeType[e]];
    const name = edgeName(e);
    if (internal) {
      if (type !== 'hidden' && type !== 'shortcut') add(e, type === 'element' ? `[${name}]` : type === 'property' || type === 'weak' ? name : `${type} ${name}`);
      continue;
    }
    if (type === 'property') {
      if (name !== '__proto__') add(e, name);
    } else if (type === 'element') add(e, `[${name}]`);
    else if (type === 'context') add(e, `context ${name}`);
    else if (type === 'weak') add(e, `weak ${name}`);
    else if (type === 'internal' && !HIDDEN_INTERNAL.has(name)) {
      const to = g.edgeTo[e];
      if (name === 'context' && isContext(g, to)) context(to);
      else if (name === 'table') {
        // A Map's or Set's OrderedHashTable: keys and values are its numbered internal edges.
        for (let t = g.firstEdge[to]; t < g.firstEdge[to + 1]; t++) {
          if (g.edgeTypeNames[g.edgeType[t]] === 'internal' && /^\d+$/.test(edgeName(t))) add(t, 'entry');
        }
      } else if (!/^\d+$/.test(name)) add(e, name);
    }
  }
  // add() labelled table entries with the table as owner: they belong to the Map or Set.
  for (const link of out) link.from = node;
  return out;
}

/** Node types drawn as leaves: nothing a program reaches through them is worth following. */
const LEAF_TYPES = new Set(['string', 'concatenated string', 'sliced string', 'number', 'heap number', 'bigint', 'symbol', 'code', 'hidden', 'synthetic', 'regexp']);

/**
 * What `from` holds, what that holds, ... up to `maxDepth` levels, at most `maxNodes` nodes
 * (breadth first, so the nearest references are the ones kept). Weak references are drawn but
 * not followed.
 */
export function refs(g: SnapshotGraph, from: number, maxDepth: number, maxNodes: number, internal: boolean): { nodes: number[]; links: RefLink[]; truncated: boolean } {
  const included = new Set<number>([from]);
  const links: RefLink[] = [];
  let truncated = false;
  let frontier = [from];
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const next: number[] = [];
    for (const node of frontier) {
      if (node !== from && LEAF_TYPES.has(g.nodeTypeNames[g.nodeType[node]])) continue;
      for (const link of forwardRefs(g, node, internal)) {
        if (!included.has(link.to)) {
          if (included.size >= maxNodes) {
            truncated = true;
            continue;
          }
          included.add(link.to);
          if (!link.weak) next.push(link.to);
        }
        links.push(link);
      }
    }
    frontier = next;
  }
  return { nodes: [...included], links, truncated };
}
