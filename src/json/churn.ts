/**
 * Key churn: documents whose keys never repeat (maps keyed by ids). The native path keeps the
 * keys and key sets (shapes) it has seen, which is what makes repeated payloads cheap; each new
 * shape costs a generated factory (tens of microseconds to compile) and each new key a table entry
 * and a string, so documents that bring new ones on every call run 1.2-20x slower natively than in
 * the builtin (measured on Node 24/26: 50 to 3,000 ids in 2-500 KB).
 *
 * A native call is churn when its new shapes cost more than about a quarter of what the builtin
 * would spend on the text (a new shape per 50,000 characters), or when it met at least 64 new
 * keys, one or more per 32 characters: objects of more than 128 keys are built key by key, and
 * with keys V8 has not seen each one adds a map (150 to 1,000 ids of ~18 characters each ran
 * 0.58-0.83x, 3,000 of them 0.05x), while at 44 or more characters per new key the value work
 * outweighs them (500 ids with small objects as values, 22-82 KB: 1.2-1.7x faster). A service's first parse of a new payload type is churn too, once:
 * its keys repeat from then on. Two churning calls in a row in a size class (a power of two of
 * the length) send that class to the builtin for the next 255 calls, after which one native call
 * looks again; churn again doubles the hold (up to 65,535 calls), a call without churn ends it.
 * Cost where keys repeat: two reads and a counter per call; where they do not: two slow calls,
 * then one per hold. No timing is involved, so the decision is the same on a busy machine.
 */
import { lastNewKeys, lastNewShapes } from './tape';

const { clz32 } = Math;

const CLASSES = 32;
const HOLD = 255;
const MAX_DOUBLINGS = 8;

export interface ChurnStatus {
  /** How many times a size class was sent to the builtin. */
  holds: number;
  /** Size classes on the builtin right now. */
  heldClasses: number;
}

export class KeyChurn {
  private readonly streak = new Uint8Array(CLASSES);
  private readonly hold = new Uint32Array(CLASSES);
  private readonly level = new Uint8Array(CLASSES);
  private holds = 0;

  /** Whether a document of this length goes to the builtin now (counts the call against the hold). */
  held(length: number): boolean {
    const c = 31 - clz32(length);
    if (this.hold[c] === 0) return false;
    // The last call of a hold leaves the streak at one: a single churning call holds again.
    if (--this.hold[c] === 0) this.streak[c] = 1;
    return true;
  }

  /** After a native parse of a document of this length: was it churn? */
  observe(length: number): void {
    const c = 31 - clz32(length);
    const keys = lastNewKeys();
    if (lastNewShapes() * 50000 > length || (keys >= 64 && keys * 32 >= length)) {
      if (++this.streak[c] >= 2) {
        this.streak[c] = 0;
        this.hold[c] = ((HOLD + 1) << this.level[c]) - 1;
        if (this.level[c] < MAX_DOUBLINGS) this.level[c]++;
        this.holds++;
      }
    } else {
      this.streak[c] = 0;
      this.level[c] = 0;
    }
  }

  reset(): void {
    this.streak.fill(0);
    this.hold.fill(0);
    this.level.fill(0);
    this.holds = 0;
  }

  status(): ChurnStatus {
    let heldClasses = 0;
    for (let c = 0; c < CLASSES; c++) if (this.hold[c] > 0) heldClasses++;
    return { holds: this.holds, heldClasses };
  }
}
