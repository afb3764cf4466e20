/**
 * Random foldings of the kinds the dataflow tests cover: 1, a prime, full width, or any legal value
 * (shared by the dense and CNN co-simulation suites).
 */
import { divisors } from "../src/hw/dataflow/fold.js";
import type { Rng } from "../src/util/rng.js";

const isPrime = (n: number) => n > 1 && divisors(n).length === 2;

/** A random value among `choices` (ascending, legal for the layer): the smallest, a prime, the largest, or any. */
export function pickFrom(rng: Rng, choices: number[]): number {
  const primes = choices.filter(isPrime);
  const kind = rng.int(0, 3);
  if (kind === 0) return choices[0]!;
  if (kind === 1 && primes.length) return rng.pick(primes);
  if (kind === 2) return choices[choices.length - 1]!;
  return rng.pick(choices);
}

/** A random divisor of n of the kind the issue asks for: 1, a prime divisor, n itself, or any divisor. */
export const pickFold = (rng: Rng, n: number): number => pickFrom(rng, divisors(n));
