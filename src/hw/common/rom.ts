/**
 * ROM packing shared by every architecture: lanes of signed b-bit two's-complement values packed
 * into one $readmemh hex word (lane 0 least significant; ternary: 00 = 0, 01 = +1, 11 = -1), and
 * input vectors as $readmemh lines.
 */

/** Packs lane values (signed integers, `bits` wide each, lane 0 least significant) into a hex word. */
export function packWord(values: ArrayLike<number>, bits: number): string {
  let word = 0n;
  const mask = (1n << BigInt(bits)) - 1n;
  for (let k = values.length - 1; k >= 0; k--) word = (word << BigInt(bits)) | (BigInt(values[k]!) & mask);
  const digits = Math.max(1, Math.ceil((values.length * bits) / 4));
  return word.toString(16).padStart(digits, "0");
}

/** Unpacks a hex word into `lanes` signed integers of `bits` bits (inverse of packWord). */
export function unpackWord(hex: string, lanes: number, bits: number): number[] {
  const word = BigInt(`0x${hex}`);
  const mask = (1n << BigInt(bits)) - 1n;
  const sign = 1n << BigInt(bits - 1);
  return Array.from({ length: lanes }, (_, k) => {
    const v = (word >> BigInt(k * bits)) & mask;
    return Number(v & sign ? v - (1n << BigInt(bits)) : v);
  });
}

/** Input vectors as a $readmemh image: one activation per line, vectors back to back. */
export function inputLines(inputs: ArrayLike<number>, bits: number): string[] {
  const digits = Math.max(1, Math.ceil(bits / 4));
  return Array.from({ length: inputs.length }, (_, i) => inputs[i]!.toString(16).padStart(digits, "0"));
}
