/**
 * Streaming reader for V8 heap snapshots (.heapsnapshot JSON).
 *
 * The file is a JSON object whose bulk is three flat arrays: `nodes` and `edges` (integers) and
 * `strings`. Building the JSON tree of a snapshot takes several times the file's size; here the
 * integers go straight into typed arrays sized from the header's node/edge counts, only the
 * fields the diagnostics use are kept, and only the strings that name something we will print
 * (constructor names, property names; not the contents of the heap's strings) are decoded.
 * `nodes` and `edges` come before `strings` in every V8 version's output, which is what makes
 * deciding which strings to keep possible while streaming.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';

export interface SnapshotGraph {
  nodeCount: number;
  edgeCount: number;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  nodeSelfSize: Float64Array;
  /** Edges of node i are firstEdge[i] .. firstEdge[i+1]-1 (only when edges were kept). */
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  /** A string index, or an element/hidden index (see edgeTypeNames). */
  edgeName: Uint32Array;
  /** Node index (not the file's field offset). */
  edgeTo: Uint32Array;
  /** Decoded strings; undefined for the ones the reader skipped. */
  strings: (string | undefined)[];
}

export interface ReadOptions {
  /** Keep the edges (retainer paths need them; type counts do not). */
  edges: boolean;
}

export interface SnapshotTiming {
  /** Time the process was blocked taking and writing the snapshot (V8 does this synchronously). */
  snapshotMs: number;
  /** Time spent reading it back (chunked, yielding to the event loop between chunks). */
  parseMs: number;
  /** Size of the snapshot file. */
  bytes: number;
  nodes: number;
  edges: number;
}

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

const enum State {
  Header,
  Top,
  Key,
  Colon,
  Numbers,
  Strings,
  InString,
  Skip,
  SkipString,
  Done,
}

const NODES_MARKER = '"nodes":[';

export class SnapshotReader {
  private state = State.Header;
  private header = '';
  private key = '';
  private keyChars: number[] = [];
  // Numbers
  private array: 'nodes' | 'edges' | undefined;
  private value = 0;
  private inNumber = false;
  private field = 0;
  private row = 0;
  private fieldCount = 0;
  private nodeFieldCount = 0;
  private nodeF = { type: -1, name: -1, id: -1, size: -1, edges: -1 };
  private edgeF = { type: -1, name: -1, to: -1 };
  private edgeCounts: Uint32Array = new Uint32Array(0);
  // Skip
  private depth = 0;
  private escape = false;
  // Strings
  private stringIndex = 0;
  private needed: Uint8Array = new Uint8Array(0);
  private pieces: Buffer[] = [];
  private keep = false;
  bytes = 0;
  graph: SnapshotGraph | undefined;

  constructor(private readonly options: ReadOptions) {}

  feed(chunk: Buffer): void {
    this.bytes += chunk.length;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case State.Header: {
          // The header (meta) is a few KB; accumulate it as text.
          const text = chunk.toString('latin1', i, Math.min(n, i + 65536));
          const before = this.header.length;
          this.header += text;
          const at = this.header.indexOf(NODES_MARKER);
          if (at < 0) {
            if (this.header.length > 16 * 1024 * 1024) throw new Error('not a V8 heap snapshot (no "nodes" array in the first 16 MB)');
            i += text.length;
            break;
          }
          this.startGraph(this.header.slice(0, at));
          i += at + NODES_MARKER.length - before;
          this.header = '';
          this.beginNumbers('nodes');
          break;
        }
        case State.Numbers:
          i = this.numbers(chunk, i);
          break;
        case State.Top: {
          const c = chunk[i++];
          if (c === 0x22) {
            this.keyChars = [];
            this.state = State.Key;
          } else if (c === 0x7d) this.finish();
          break;
        }
        case State.Key: {
          const c = chunk[i++];
          if (c === 0x22) {
            this.key = String.fromCharCode(...this.keyChars);
            this.state = State.Colon;
          } else this.keyChars.push(c);
          break;
        }
        case State.Colon: {
          const c = chunk[i++];
          if (c === 0x5b) {
            if (this.key === 'edges') this.beginNumbers('edges');
            else if (this.key === 'strings') this.beginStrings();
            else {
              this.depth = 1;
              this.state = State.Skip;
            }
          } else if (c === 0x7b) {
            this.depth = 1;
            this.state = State.Skip;
          }
          break;
        }
        case State.Skip: {
          const c = chunk[i++];
          if (c === 0x5b || c === 0x7b) this.depth++;
          else if (c === 0x5d || c === 0x7d) {
            if (--this.depth === 0) this.state = State.Top;
          } else if (c === 0x22) {
            this.escape = false;
            this.state = State.SkipString;
          }
          break;
        }
        case State.SkipString: {
          const c = chunk[i++];
          if (this.escape) this.escape = false;
          else if (c === 0x5c) this.escape = true;
          else if (c === 0x22) this.state = State.Skip;
          break;
        }
        case State.Strings: {
          const c = chunk[i++];
          if (c === 0x22) {
            this.keep = this.stringIndex < this.needed.length && this.needed[this.stringIndex] === 1;
            this.pieces = [];
            this.escape = false;
            this.state = State.InString;
          } else if (c === 0x5d) this.state = State.Top;
          break;
        }
        case State.InString:
          i = this.inString(chunk, i);
          break;
        case State.Done:
          return;
      }
    }
  }

  private startGraph(headerText: string): void {
    const trimmed = headerText.trim().replace(/,$/, '');
    let meta: { snapshot: { meta: Record<string, unknown>; node_count: number; edge_count: number } };
    try {
      meta = JSON.parse(trimmed + '}');
    } catch {
      throw new Error('not a V8 heap snapshot (unreadable header)');
    }
    const m = meta.snapshot.meta as { node_fields: string[]; edge_fields: string[]; node_types: unknown[]; edge_types: unknown[] };
    const nodeFields = m.node_fields;
    const edgeFields = m.edge_fields;
    this.nodeFieldCount = nodeFields.length;
    this.nodeF = {
      type: nodeFields.indexOf('type'),
      name: nodeFields.indexOf('name'),
      id: nodeFields.indexOf('id'),
      size: nodeFields.indexOf('self_size'),
      edges: nodeFields.indexOf('edge_count'),
    };
    this.edgeF = { type: edgeFields.indexOf('type'), name: edgeFields.indexOf('name_or_index'), to: edgeFields.indexOf('to_node') };
    if (Object.values(this.nodeF).includes(-1) || Object.values(this.edgeF).includes(-1)) {
      throw new Error(`unsupported heap snapshot layout (node fields ${nodeFields.join(',')}; edge fields ${edgeFields.join(',')})`);
    }
    const nodeCount = meta.snapshot.node_count;
    const edgeCount = meta.snapshot.edge_count;
    const keepEdges = this.options.edges;
    this.edgeCounts = new Uint32Array(nodeCount);
    this.graph = {
      nodeCount,
      edgeCount,
      nodeTypeNames: m.node_types[0] as string[],
      edgeTypeNames: m.edge_types[0] as string[],
      nodeType: new Uint8Array(nodeCount),
      nodeName: new Uint32Array(nodeCount),
      nodeId: new Uint32Array(nodeCount),
      nodeSelfSize: new Float64Array(nodeCount),
      firstEdge: new Uint32Array(keepEdges ? nodeCount + 1 : 0),
      edgeType: new Uint8Array(keepEdges ? edgeCount : 0),
      edgeName: new Uint32Array(keepEdges ? edgeCount : 0),
      edgeTo: new Uint32Array(keepEdges ? edgeCount : 0),
      strings: [],
    };
  }

  private beginNumbers(which: 'nodes' | 'edges'): void {
    this.array = which;
    this.fieldCount = which === 'nodes' ? this.nodeFieldCount : 3;
    this.field = 0;
    this.row = 0;
    this.value = 0;
    this.inNumber = false;
    this.state = State.Numbers;
  }

  private numbers(chunk: Buffer, start: number): number {
    const g = this.graph!;
    const n = chunk.length;
    let i = start;
    if (this.array === 'edges' && !this.options.edges) {
      // Not kept: edges hold no brackets or quotes, so the end is the next ']'.
      const end = chunk.indexOf(0x5d, i);
      if (end < 0) return n;
      this.state = State.Top;
      return end + 1;
    }
    const nodes = this.array === 'nodes';
    let value = this.value;
    let inNumber = this.inNumber;
    let field = this.field;
    let row = this.row;
    const fieldCount = this.fieldCount;
    const nType = this.nodeF.type;
    const nName = this.nodeF.name;
    const nId = this.nodeF.id;
    const nSize = this.nodeF.size;
    const nEdges = this.nodeF.edges;
    const eType = this.edgeF.type;
    const eName = this.edgeF.name;
    const eTo = this.edgeF.to;
    const nodeFieldCount = this.nodeFieldCount;
    const { nodeType, nodeName, nodeId, nodeSelfSize, edgeType, edgeName, edgeTo } = g;
    const edgeCounts = this.edgeCounts;
    for (; i < n; i++) {
      const c = chunk[i];
      if (c >= 0x30 && c <= 0x39) {
        value = value * 10 + (c - 0x30);
        inNumber = true;
        continue;
      }
      if (inNumber) {
        if (nodes) {
          if (field === nType) nodeType[row] = value;
          else if (field === nName) nodeName[row] = value;
          else if (field === nId) nodeId[row] = value;
          else if (field === nSize) nodeSelfSize[row] = value;
          else if (field === nEdges) edgeCounts[row] = value;
        } else {
          if (field === eType) edgeType[row] = value;
          else if (field === eName) edgeName[row] = value;
          else if (field === eTo) edgeTo[row] = value / nodeFieldCount;
        }
        if (++field === fieldCount) {
          field = 0;
          row++;
        }
        value = 0;
        inNumber = false;
      }
      if (c === 0x5d) {
        i++;
        this.state = State.Top;
        break;
      }
    }
    this.value = value;
    this.inNumber = inNumber;
    this.field = field;
    this.row = row;
    if (this.state === State.Top && nodes && this.options.edges) {
      let e = 0;
      for (let k = 0; k < g.nodeCount; k++) {
        g.firstEdge[k] = e;
        e += this.edgeCounts[k];
      }
      g.firstEdge[g.nodeCount] = e;
    }
    return i;
  }

  private beginStrings(): void {
    const g = this.graph!;
    // Decide which strings are worth decoding: names of everything that is not itself a string
    // (constructor, function, property and variable names), and edge names.
    let max = 0;
    for (let k = 0; k < g.nodeCount; k++) if (g.nodeName[k] > max) max = g.nodeName[k];
    const named = g.edgeTypeNames.map((t) => t !== 'element' && t !== 'hidden');
    for (let e = 0; e < g.edgeType.length; e++) if (named[g.edgeType[e]] && g.edgeName[e] > max) max = g.edgeName[e];
    const needed = new Uint8Array(max + 1);
    const skipType = g.nodeTypeNames.map((t) => STRING_TYPES.has(t));
    for (let k = 0; k < g.nodeCount; k++) if (!skipType[g.nodeType[k]]) needed[g.nodeName[k]] = 1;
    for (let e = 0; e < g.edgeType.length; e++) if (named[g.edgeType[e]]) needed[g.edgeName[e]] = 1;
    this.needed = needed;
    this.edgeCounts = new Uint32Array(0);
    this.stringIndex = 0;
    this.state = State.Strings;
  }

  private inString(chunk: Buffer, start: number): number {
    const n = chunk.length;
    // Quotes are found with indexOf (native, fast on the long unneeded strings); a quote preceded
    // by an odd run of backslashes is escaped. A run cut by the chunk boundary is carried in
    // `escape` (the next chunk's first byte is then escaped and skipped).
    let lo = start;
    if (this.escape) {
      this.escape = false;
      lo = start + 1;
    }
    let from = lo;
    let end = -1;
    while (from <= n) {
      const q = chunk.indexOf(0x22, from);
      if (q < 0) break;
      let k = q - 1;
      while (k >= lo && chunk[k] === 0x5c) k--;
      if ((q - 1 - k) % 2 === 0) {
        end = q;
        break;
      }
      from = q + 1;
    }
    if (end < 0) {
      let k = n - 1;
      while (k >= lo && chunk[k] === 0x5c) k--;
      this.escape = (n - 1 - k) % 2 === 1;
      // The string goes on in the next chunk: keep a copy, the read buffer is reused.
      if (this.keep) this.pieces.push(Buffer.from(chunk.subarray(start, n)));
      return n;
    }
    const i = end;
    if (this.keep) this.pieces.push(chunk.subarray(start, i));
    const strings = this.graph!.strings;
    if (this.keep) {
      const raw = this.pieces.length === 1 ? this.pieces[0].toString('utf8') : Buffer.concat(this.pieces).toString('utf8');
      let value: string;
      try {
        value = JSON.parse(`"${raw}"`) as string;
      } catch {
        value = raw;
      }
      strings.push(value);
    } else strings.push(undefined);
    this.pieces = [];
    this.stringIndex++;
    this.state = State.Strings;
    return i + 1;
  }

  private finish(): void {
    this.state = State.Done;
  }

  result(): SnapshotGraph {
    if (!this.graph || (this.state !== State.Done && this.state !== State.Top)) throw new Error('heap snapshot ended early');
    return this.graph;
  }
}

/** Reads a .heapsnapshot file in 4 MB chunks, yielding to the event loop between them. */
export async function readSnapshotFile(file: string, options: ReadOptions): Promise<{ graph: SnapshotGraph; bytes: number }> {
  const reader = new SnapshotReader(options);
  const handle = await fs.promises.open(file, 'r');
  try {
    // Two buffers: the next read is in flight while the current chunk is parsed.
    const size = 4 << 20;
    const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    let position = 0;
    let turn = 0;
    let pending = handle.read(buffers[0], 0, size, position);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      position += bytesRead;
      turn ^= 1;
      pending = handle.read(buffers[turn], 0, size, position);
      reader.feed(bytesRead === size ? buffer : buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return { graph: reader.result(), bytes: reader.bytes };
}

export interface SnapshotOptions {
  /** Directory for the temporary snapshot file (default: os.tmpdir()). The file is deleted after reading. */
  dir?: string;
}

/**
 * Writes a heap snapshot to a temporary file (blocking: V8 runs a full GC and serializes the
 * heap on this thread; the time is reported), then reads it back in chunks. `beforeRead` runs
 * right after the snapshot was written, before any await: the caller's cleanup of probes.
 */
export async function takeSnapshot(options: ReadOptions & SnapshotOptions, beforeRead?: () => void): Promise<{ graph: SnapshotGraph; timing: SnapshotTiming }> {
  const dir = fs.mkdtempSync(path.join(options.dir ?? os.tmpdir(), 'afterburner-heap-'));
  const file = path.join(dir, 'heap.heapsnapshot');
  try {
    const t0 = performance.now();
    try {
      v8.writeHeapSnapshot(file);
    } finally {
      beforeRead?.();
    }
    const snapshotMs = performance.now() - t0;
    const t1 = performance.now();
    const { graph, bytes } = await readSnapshotFile(file, options);
    const parseMs = performance.now() - t1;
    return { graph, timing: { snapshotMs, parseMs, bytes, nodes: graph.nodeCount, edges: graph.edgeCount } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
