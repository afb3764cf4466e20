/**
 * Exact minimisation of the uniform-quantizer L2 error over the step delta.
 *
 * For magnitudes a_i > 0 and K = (M - 1) / 2, E(delta) = sum_i (q_i delta - a_i)^2 with
 * q_i = min(K, round(a_i / delta)). E is continuous and piecewise quadratic: the assignment of a
 * weight to a level changes only at the breakpoints delta = a_i / (l + 1/2), l = 0..K-1, and between
 * two breakpoints E = sum a^2 - 2 delta S1 + delta^2 S2 (S1 = sum q a, S2 = sum q^2), whose minimum
 * on that interval is S1 / S2 clamped to it. There are N K intervals, too many to visit for large
 * layers and M, so the search is a branch and bound over ranges of delta:
 *  - a lower bound of E on [lo, hi]: every a is at least its distance from the union of
 *    [q lo, q hi], q = 0..K, away from its level; with prefix sums of a and a^2 over the sorted
 *    magnitudes the bound costs O(K log N);
 *  - ranges whose bound exceeds the best error found so far are dropped; the others are split
 *    until they hold few breakpoints, which are then scanned exactly interval by interval.
 * Every interval is either scanned or proven worse, so the result is the global optimum (up to
 * floating-point rounding of the error, ~1e-12 relative). The cost is dominated by sorting |w|.
 */

export interface L2Optimum {
  delta: number;
  /** sum (q delta - a)^2 at that step. */
  error: number;
}

/** Ranges holding at most this many breakpoints are scanned exactly. */
const LEAF_EVENTS = 4096;
/** Ranges narrower than this (relative) are scanned whatever their breakpoint count (ties). */
const MIN_WIDTH = 1e-12;

/** `a`: nonzero magnitudes sorted ascending; `k`: largest level. */
export function minimiseL2Step(a: Float64Array, k: number): L2Optimum {
  const n = a.length;
  if (n === 0) return { delta: 1, error: 0 };
  // Compensated prefix sums: p1[i] = sum a[0..i), p2[i] = sum a[0..i)^2.
  const p1 = new Float64Array(n + 1);
  const p2 = new Float64Array(n + 1);
  {
    let s1 = 0, c1 = 0, s2 = 0, c2 = 0;
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y1 = x - c1, t1 = s1 + y1;
      c1 = t1 - s1 - y1;
      s1 = t1;
      const y2 = x * x - c2, t2 = s2 + y2;
      c2 = t2 - s2 - y2;
      s2 = t2;
      p1[i + 1] = s1;
      p2[i + 1] = s2;
    }
  }
  const sumSq = p2[n]!;
  const amax = a[n - 1]!;
  const tol = 1e-12 * sumSq * (k + 1);

  /** First index i with a[i] >= x. */
  const lowerBound = (x: number): number => {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** sum over a[i..j) of (a - c)^2. */
  const segSq = (i: number, j: number, c: number): number => {
    if (j <= i) return 0;
    const v = p2[j]! - p2[i]! - 2 * c * (p1[j]! - p1[i]!) + c * c * (j - i);
    return v > 0 ? v : 0;
  };
  /** S1, S2 of the assignment at delta (a >= (l + 1/2) delta means level > l). */
  const sums = (delta: number): [number, number] => {
    let s1 = 0, s2 = 0;
    let start = lowerBound(0.5 * delta);
    for (let q = 1; q <= k && start < n; q++) {
      const end = q < k ? lowerBound((q + 0.5) * delta) : n;
      if (end > start) {
        s1 += q * (p1[end]! - p1[start]!);
        s2 += q * q * (end - start);
      }
      start = end;
    }
    return [s1, s2];
  };
  const errorAt = (delta: number, s1: number, s2: number): number => Math.max(0, sumSq - 2 * delta * s1 + delta * delta * s2);

  let best: L2Optimum = { delta: amax, error: Infinity };
  const consider = (delta: number): void => {
    const [s1, s2] = sums(delta);
    const e = errorAt(delta, s1, s2);
    if (e < best.error) best = { delta, error: e };
    // One Lloyd step (reassign, then the optimal step for that assignment) never increases E.
    if (s2 > 0) {
      const d = s1 / s2;
      const [t1, t2] = sums(d);
      const e2 = errorAt(d, t1, t2);
      if (e2 < best.error) best = { delta: d, error: e2 };
    }
  };

  /** Lower bound of E over delta in [lo, hi]. */
  const lowerBoundError = (lo: number, hi: number): number => {
    let lb = 0;
    if (lo > 0) {
      for (let q = 0; q < k; q++) {
        const left = q * hi, right = (q + 1) * lo;
        if (left >= right) break; // the ranges overlap from here on
        const mid = 0.5 * (left + right);
        const i0 = lowerBound(left), im = lowerBound(mid), i1 = lowerBound(right);
        lb += segSq(i0, im, left) + segSq(im, i1, right);
      }
    }
    return lb + segSq(lowerBound(k * hi), n, k * hi);
  };

  /** Breakpoints in [lo, hi): a in [(l + 1/2) lo, (l + 1/2) hi) for some level l. */
  const eventCount = (lo: number, hi: number): number => {
    let c = 0;
    for (let l = 0; l < k; l++) c += lowerBound((l + 0.5) * hi) - lowerBound((l + 0.5) * lo);
    return c;
  };

  // Exact scan of [lo, hi]: every interval between breakpoints, from hi down to lo. The breakpoints
  // of level l are a[i] / (l + 1/2) for a in [(l + 1/2) lo, (l + 1/2) hi), already sorted by i, so
  // the K runs are merged with a max-heap of levels keyed by their current breakpoint.
  const ptr = new Int32Array(k);
  const stop = new Int32Array(k);
  const key = new Float64Array(k);
  const heap = new Int32Array(k);
  const scan = (lo: number, hi: number): void => {
    let size = 0;
    for (let l = 0; l < k; l++) {
      const first = lowerBound((l + 0.5) * lo);
      const last = lowerBound((l + 0.5) * hi) - 1;
      if (last < first) continue;
      ptr[l] = last;
      stop[l] = first;
      key[l] = a[last]! / (l + 0.5);
      // sift up
      let i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (key[heap[parent]!]! >= key[l]!) break;
        heap[i] = heap[parent]!;
        i = parent;
      }
      heap[i] = l;
    }
    let [s1, s2] = sums(hi);
    let upper = hi;
    const candidate = (lower: number): void => {
      if (s2 === 0) return;
      let d = s1 / s2;
      if (d > upper) d = upper;
      if (d < lower) d = lower;
      if (d <= 0) return;
      const e = errorAt(d, s1, s2);
      if (e < best.error) best = { delta: d, error: e };
    };
    while (size > 0) {
      const l = heap[0]!;
      const b = Math.min(key[l]!, upper);
      // Interval [b, upper] has the current assignment; crossing b moves a[ptr[l]] from level l to l + 1.
      candidate(b);
      s1 += a[ptr[l]!]!;
      s2 += 2 * l + 1;
      upper = b;
      let moved = l;
      if (--ptr[l]! >= stop[l]!) key[l] = a[ptr[l]!]! / (l + 0.5);
      else moved = heap[--size]!;
      // sift `moved` down from the root
      let i = 0;
      const km = key[moved]!;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && key[heap[c + 1]!]! > key[heap[c]!]!) c++;
        if (key[heap[c]!]! <= km) break;
        heap[i] = heap[c]!;
        i = c;
      }
      if (size > 0) heap[i] = moved;
    }
    candidate(lo);
  };

  // Good first guesses make the bound prune early: a geometric grid, each followed by a Lloyd step.
  for (let g = 0; g < 24; g++) consider((2 * amax) / (k + 0.5) ** (g / 23) / 2 ** (g / 6));

  // Depth-first branch and bound over [0, 2 amax] (for delta >= 2 amax every level is 0).
  const stack: [number, number][] = [[0, 2 * amax]];
  while (stack.length) {
    const [lo, hi] = stack.pop()!;
    if (lowerBoundError(lo, hi) > best.error + tol) continue;
    if (hi - lo <= MIN_WIDTH * hi || eventCount(lo, hi) <= LEAF_EVENTS) {
      scan(lo, hi);
      continue;
    }
    const mid = lo === 0 ? hi / 2 : Math.sqrt(lo * hi);
    stack.push([lo, mid], [mid, hi]);
  }
  return best;
}
