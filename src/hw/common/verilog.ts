/** Small Verilog-2005 expression builders used by the view models (templates hold no logic). */

/** Sign-extends `expr` (width `from`) to `to` bits; `msb` is the expression of its top bit. */
export function signExtend(expr: string, msb: string, from: number, to: number): string {
  return from === to ? expr : `{ {${to - from}{${msb}}}, ${expr} }`;
}

export const zeroExtend = (expr: string, from: number, to: number): string => (from === to ? expr : `{ ${to - from}'d0, ${expr} }`);
