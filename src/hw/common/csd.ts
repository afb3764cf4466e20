/**
 * Canonical signed-digit (non-adjacent form) decomposition of a positive constant, so that a
 * constant multiplication becomes a short sum of shifted copies: m = sum(sign_i * 2^shift_i).
 * Used for the requantization multiplier: the hardware never instantiates a multiplier.
 */
export interface CsdTerm {
  sign: 1 | -1;
  shift: number;
}

export function csdTerms(m: number): CsdTerm[] {
  if (!Number.isSafeInteger(m) || m < 1) throw new Error(`csdTerms: ${m} is not a positive integer`);
  const terms: CsdTerm[] = [];
  let n = BigInt(m);
  let shift = 0;
  while (n > 0n) {
    if (n & 1n) {
      // Non-adjacent form: a digit of -1 when the next bit is also set (n mod 4 == 3).
      const digit = (n & 3n) === 3n ? -1 : 1;
      terms.push({ sign: digit, shift });
      n -= BigInt(digit);
    }
    n >>= 1n;
    shift++;
  }
  return terms.reverse();
}

export const csdValue = (terms: CsdTerm[]): number => terms.reduce((s, t) => s + t.sign * 2 ** t.shift, 0);
