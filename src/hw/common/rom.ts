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

/** The first `count` values as $readmemh / %h lines in one buffer (fast for millions of values). */
export function hexLines(values: ArrayLike<number>, count: number, bits: number): Buffer {
  const digits = Math.max(1, Math.ceil(bits / 4));
  const out = Buffer.alloc(count * (digits + 1));
  const hex = "0123456789abcdef";
  for (let i = 0, at = 0; i < count; i++) {
    let v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** (4 * digits)) throw new Error(`hexLines: value ${v} at ${i} does not fit ${bits} bits`);
    for (let d = digits - 1; d >= 0; d--) {
      out[at + d] = hex.charCodeAt(v & 15);
      v = Math.floor(v / 16);
    }
    out[at + digits] = 10;
    at += digits + 1;
  }
  return out;
}

/** Input beats of several values as $readmemh lines: value j of a beat in bits [j*bits +: bits]. */
export function beatLines(inputs: ArrayLike<number>, bits: number, perBeat: number): string[] {
  return Array.from({ length: Math.floor(inputs.length / perBeat) }, (_, b) => packWord(Array.from({ length: perBeat }, (_, j) => inputs[b * perBeat + j]!), bits));
}
