/**
 * ROM images in $readmemh format. Word w of a layer's weight ROM holds, for group g = floor(w / N_in)
 * and input j = w mod N_in, the weights of outputs g*P .. g*P+P-1 for input j: lane k in bits
 * [k*b, k*b+b) as b-bit two's complement (ternary: 00 = 0, 01 = +1, 11 = -1). Outputs past N_out
 * (the last group's idle lanes) hold 0. Bias ROM word g holds the biases of group g the same way.
 */
import type { LayerPlan } from "./plan.js";

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

function groupLanes(lanes: number, g: number, nOut: number, value: (o: number) => number): number[] {
  return Array.from({ length: lanes }, (_, k) => {
    const o = g * lanes + k;
    return o < nOut ? value(o) : 0;
  });
}

export function weightRomLines(l: LayerPlan, lanes: number): string[] {
  const lines: string[] = [];
  const w = l.layer.weights;
  for (let g = 0; g < l.groups; g++)
    for (let j = 0; j < l.nIn; j++) lines.push(packWord(groupLanes(lanes, g, l.nOut, (o) => w[o * l.nIn + j]!), l.weightBits));
  return lines;
}

export function biasRomLines(l: LayerPlan, lanes: number): string[] {
  return Array.from({ length: l.groups }, (_, g) => packWord(groupLanes(lanes, g, l.nOut, (o) => l.layer.bias[o]!), l.biasBits));
}

/** Input vectors as a $readmemh image: one activation per line, vectors back to back. */
export function inputLines(inputs: ArrayLike<number>, bits: number): string[] {
  const digits = Math.max(1, Math.ceil(bits / 4));
  return Array.from({ length: inputs.length }, (_, i) => inputs[i]!.toString(16).padStart(digits, "0"));
}
