// Free address space as sorted disjoint bigint intervals in a treap: a /64 or a nearly full /16 costs O(log n) per take/give, never a scan.
//
// `n` is the number of free *intervals* (fragments), not addresses: a fresh /64 is one interval, and
// taking the lowest address of an interval only moves its start. Priorities come from a seeded
// xorshift so runs are reproducible.

interface Node {
  lo: bigint;
  hi: bigint;
  prio: number;
  left: Node | null;
  right: Node | null;
}

export interface Interval {
  first: bigint;
  last: bigint;
}

function split(t: Node | null, key: bigint): [Node | null, Node | null] {
  if (!t) return [null, null];
  if (t.lo < key) {
    const [l, r] = split(t.right, key);
    t.right = l;
    return [t, r];
  }
  const [l, r] = split(t.left, key);
  t.left = r;
  return [l, t];
}

function merge(a: Node | null, b: Node | null): Node | null {
  if (!a) return b;
  if (!b) return a;
  if (a.prio > b.prio) {
    a.right = merge(a.right, b);
    return a;
  }
  b.left = merge(a, b.left);
  return b;
}

function insertNode(t: Node | null, n: Node): Node {
  if (!t) return n;
  if (n.prio > t.prio) {
    const [l, r] = split(t, n.lo);
    n.left = l;
    n.right = r;
    return n;
  }
  if (n.lo < t.lo) t.left = insertNode(t.left, n);
  else t.right = insertNode(t.right, n);
  return t;
}

function deleteNode(t: Node | null, lo: bigint): Node | null {
  if (!t) return null;
  if (t.lo === lo) return merge(t.left, t.right);
  if (lo < t.lo) t.left = deleteNode(t.left, lo);
  else t.right = deleteNode(t.right, lo);
  return t;
}

/** A set of bigint points stored as maximal disjoint intervals (adjacent intervals are always merged). */
export class FreeIntervals {
  private root: Node | null = null;
  private fragments = 0;
  private seed = 0x9e3779b9;

  /** Number of disjoint intervals (the `n` of the O(log n) bounds). */
  get intervalCount(): number {
    return this.fragments;
  }

  /** Adds every point of [first, last]; the range must not overlap points already present. */
  addRange(first: bigint, last: bigint): void {
    if (last < first) return;
    const pred = this.floor(first);
    if (pred && pred.hi >= first) throw new RangeError(`range ${first}-${last} overlaps free interval ${pred.lo}-${pred.hi}`);
    const succ = this.ceilingAfter(first);
    if (succ && succ.lo <= last) throw new RangeError(`range ${first}-${last} overlaps free interval ${succ.lo}-${succ.hi}`);
    const joinLeft = pred !== null && pred.hi + 1n === first;
    const joinRight = succ !== null && succ.lo === last + 1n;
    if (joinLeft && joinRight) {
      pred.hi = succ.hi;
      this.root = deleteNode(this.root, succ.lo);
      this.fragments--;
    } else if (joinLeft) {
      pred.hi = last;
    } else if (joinRight) {
      succ.lo = first; // still above pred, so the order is unchanged
    } else {
      this.root = insertNode(this.root, { lo: first, hi: last, prio: this.nextPrio(), left: null, right: null });
      this.fragments++;
    }
  }

  /** Smallest point, or undefined when empty. O(log n). */
  min(): bigint | undefined {
    let t = this.root;
    if (!t) return undefined;
    while (t.left) t = t.left;
    return t.lo;
  }

  has(x: bigint): boolean {
    const n = this.floor(x);
    return n !== null && n.hi >= x;
  }

  /** Removes point x; false when it was not present. */
  remove(x: bigint): boolean {
    const n = this.floor(x);
    if (!n || n.hi < x) return false;
    if (n.lo === n.hi) {
      this.root = deleteNode(this.root, n.lo);
      this.fragments--;
    } else if (x === n.lo) {
      n.lo = x + 1n;
    } else if (x === n.hi) {
      n.hi = x - 1n;
    } else {
      const hi = n.hi;
      n.hi = x - 1n;
      this.root = insertNode(this.root, { lo: x + 1n, hi, prio: this.nextPrio(), left: null, right: null });
      this.fragments++;
    }
    return true;
  }

  /** Adds point x; false when it was already present. */
  add(x: bigint): boolean {
    if (this.has(x)) return false;
    this.addRange(x, x);
    return true;
  }

  /** The intervals in ascending order (for tests and diagnostics). */
  *intervals(): IterableIterator<Interval> {
    const stack: Node[] = [];
    let t = this.root;
    while (t || stack.length > 0) {
      while (t) {
        stack.push(t);
        t = t.left;
      }
      const n = stack.pop() as Node;
      yield { first: n.lo, last: n.hi };
      t = n.right;
    }
  }

  /** Node with the greatest start <= x. */
  private floor(x: bigint): Node | null {
    let t = this.root;
    let best: Node | null = null;
    while (t) {
      if (t.lo <= x) {
        best = t;
        t = t.right;
      } else {
        t = t.left;
      }
    }
    return best;
  }

  /** Node with the smallest start > x. */
  private ceilingAfter(x: bigint): Node | null {
    let t = this.root;
    let best: Node | null = null;
    while (t) {
      if (t.lo > x) {
        best = t;
        t = t.left;
      } else {
        t = t.right;
      }
    }
    return best;
  }

  private nextPrio(): number {
    let s = this.seed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.seed = s >>> 0;
    return this.seed;
  }
}
