/**
 * The fast path of every weak handler. `WeakRef#deref()` is a call into the V8 runtime (it adds
 * the target to the job's kept-objects set) and costs ~30 ns, more than a whole EventEmitter#emit
 * with one listener. So each handler caches the dereferenced target in a cell for the rest of the
 * current job and a single shared microtask empties every touched cell.
 *
 * This keeps no object alive any longer than deref() itself does: by specification a target that
 * was deref()'d stays alive until the end of the job (V8 clears its kept objects at the microtask
 * checkpoint), and the cells are emptied by a microtask of that same checkpoint.
 */
export interface Cell {
  target: object | undefined;
}

const touched: Cell[] = [];
let scheduled = false;
// A V8 promise reaction: far cheaper than Node's queueMicrotask, which wraps every callback
// in an async resource.
const resolved = Promise.resolve();

function release(): void {
  for (let i = 0; i < touched.length; i++) touched[i].target = undefined;
  touched.length = 0;
  scheduled = false;
}

/** The target of `ref` (cached in `cell` until the end of the job), or undefined once collected. */
export function hold(cell: Cell, ref: WeakRef<object>): object | undefined {
  const target = ref.deref();
  if (target === undefined) return undefined;
  cell.target = target;
  touched.push(cell);
  if (!scheduled) {
    scheduled = true;
    resolved.then(release);
  }
  return target;
}
