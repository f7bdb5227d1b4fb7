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
