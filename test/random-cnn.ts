/**
 * Seeded random CNN layer chains for the lowering and co-simulation suites: kernels 1, 3, 5,
 * padding 0 up to kernel - 1, channels 1..33 (primes favoured), maps 1x1 up to `maxSide`, pooling
 * 2x2/3x3 with stride 2/3 (also on maps the windows do not divide), flatten before dense layers,
 * and sometimes a conv layer producing the logits.
 */
import type { ChainLayerSpec } from "../src/ir/random.js";
import type { Rng } from "../src/util/rng.js";

export interface CnnSpec {
  input: [number, number, number];
  layers: ChainLayerSpec[];
}

const CHANNELS = [1, 2, 3, 5, 7, 8, 11, 13, 16, 17, 31, 32, 33];

export function randomCnnSpec(rng: Rng, maxSide = 28, maxChannels = 33): CnnSpec {
  const channels = CHANNELS.filter((c) => c <= maxChannels);
  const side = () => rng.int(1, maxSide);
  let h = side();
  let w = rng.next() < 0.6 ? h : side();
  const input: [number, number, number] = [h, w, rng.pick([1, 1, 2, 3])];
  const layers: ChainLayerSpec[] = [];
  const convs = rng.int(1, 3);
  for (let i = 0; i < convs; i++) {
    const kernel = rng.pick([1, 3, 5].filter((k) => k <= Math.min(h, w) + 2 * (k - 1)));
    const padding = rng.pick([0, kernel - 1, Math.floor(kernel / 2)].filter((p) => h + 2 * p >= kernel && w + 2 * p >= kernel));
    layers.push({ kind: "conv2d", out: rng.pick(channels), kernel, padding });
    h = h + 2 * padding - kernel + 1;
    w = w + 2 * padding - kernel + 1;
    const sizes = [2, 3].filter((s) => s <= Math.min(h, w));
    if (sizes.length && rng.next() < 0.6) {
      const size = rng.pick(sizes);
      const stride = rng.pick([2, 3]);
      layers.push({ kind: "maxpool", size, stride });
      h = Math.floor((h - size) / stride) + 1;
      w = Math.floor((w - size) / stride) + 1;
    }
  }
  if (rng.next() < 0.2) {
    // A conv layer producing the logits (a 1x1 kernel keeps the logit count small).
    layers.push({ kind: "conv2d", out: rng.pick([1, 2, 3, 5]), kernel: 1, padding: 0 });
    return { input, layers };
  }
  layers.push({ kind: "flatten" });
  if (rng.next() < 0.5) layers.push({ kind: "dense", out: rng.pick(channels) });
  layers.push({ kind: "dense", out: rng.pick([2, 3, 10]) });
  return { input, layers };
}
