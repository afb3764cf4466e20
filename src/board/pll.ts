/**
 * iCE40 PLL settings (SB_PLL40_*, simple feedback) for a wanted output clock: the same search as
 * icestorm's `icepll`: every DIVR/DIVF/DIVQ with the phase detector in 10..133 MHz and the VCO in
 * 533..1066 MHz, keeping the first setting closest to the wanted frequency.
 */
import { TritforgeError } from "../util/errors.js";

export interface PllSetting {
  divr: number;
  divf: number;
  divq: number;
  filterRange: number;
  /** Achieved output frequency in MHz. */
  outMHz: number;
}

function filterRange(pfdMHz: number): number {
  const limits = [17, 26, 44, 66, 101];
  const i = limits.findIndex((l) => pfdMHz < l);
  return i < 0 ? 6 : i + 1;
}

export function planPll(inMHz: number, wantMHz: number): PllSetting {
  if (!(inMHz >= 10 && inMHz <= 133)) throw new TritforgeError(`PLL input clock must be 10..133 MHz, got ${inMHz}`);
  if (!(wantMHz >= 16 && wantMHz <= 275)) throw new TritforgeError(`PLL output clock must be 16..275 MHz, got ${wantMHz}`);
  let best: PllSetting | null = null;
  for (let divr = 0; divr <= 15; divr++) {
    const pfd = inMHz / (divr + 1);
    if (pfd < 10 || pfd > 133) continue;
    for (let divf = 0; divf <= 127; divf++) {
      const vco = pfd * (divf + 1);
      if (vco < 533 || vco > 1066) continue;
      for (let divq = 1; divq <= 6; divq++) {
        const out = vco / 2 ** divq;
        if (!best || Math.abs(out - wantMHz) < Math.abs(best.outMHz - wantMHz)) best = { divr, divf, divq, filterRange: filterRange(pfd), outMHz: out };
      }
    }
  }
  if (!best) throw new TritforgeError(`no PLL setting reaches ${wantMHz} MHz from ${inMHz} MHz`);
  return best;
}
