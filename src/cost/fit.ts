/**
 * Non-negative least squares on relative error (each row divided by its target value, so small and
 * large designs weigh alike), by projected coordinate descent, over any named feature set (each
 * architecture's cost model has its own). Features that never vary in the data get coefficient 0.
 */
export function fitNonNegativeOver<K extends string>(names: readonly K[], rows: Array<Record<K, number>>, targets: number[], use: readonly K[] = names, iterations = 20000): Record<K, number> {
  const X = rows.map((r, i) => names.map((k) => (use.includes(k) ? r[k] / targets[i]! : 0)));
  const y = targets.map(() => 1);
  const n = names.length;
  const w = new Array<number>(n).fill(0);
  const colSq = names.map((_, j) => X.reduce((s, row) => s + row[j]! ** 2, 0));
  const resid = y.slice();
  for (let it = 0; it < iterations; it++) {
    let change = 0;
    for (let j = 0; j < n; j++) {
      if (colSq[j]! === 0) continue;
      let g = 0;
      for (let i = 0; i < X.length; i++) g += X[i]![j]! * resid[i]!;
      const next = Math.max(0, w[j]! + g / colSq[j]!);
      const d = next - w[j]!;
      if (d !== 0) {
        for (let i = 0; i < X.length; i++) resid[i]! -= X[i]![j]! * d;
        w[j] = next;
        change = Math.max(change, Math.abs(d));
      }
    }
    if (change < 1e-12) break;
  }
  return Object.fromEntries(names.map((k, j) => [k, w[j]!])) as Record<K, number>;
}

