/**
 * NumPy .npy arrays (format versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a header dict
 * {'descr': ..., 'fortran_order': False, 'shape': (...)} and the C-order payload. Element types:
 * unsigned/signed integers of 1, 2, 4 or 8 bytes (little-endian or single-byte), returned as
 * numbers. Every problem is one line naming the file.
 */
import { readFileSync } from "node:fs";
import { TritforgeError } from "../util/errors.js";

export interface NpyArray {
  dims: number[];
  /** The element type code, e.g. "|u1" or "<i8". */
  descr: string;
  /** Values as numbers (uint8 arrays stay a Uint8Array view without copying). */
  data: Uint8Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const INT_TYPES: Record<string, { bytes: number; signed: boolean }> = {
  u1: { bytes: 1, signed: false },
  i1: { bytes: 1, signed: true },
  u2: { bytes: 2, signed: false },
  i2: { bytes: 2, signed: true },
  u4: { bytes: 4, signed: false },
  i4: { bytes: 4, signed: true },
  u8: { bytes: 8, signed: false },
  i8: { bytes: 8, signed: true },
};

export function parseNpy(buf: Uint8Array, source: string): NpyArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new TritforgeError(`${source}: not a .npy file (bad magic)`);
  const major = buf[6]!;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lenBytes = major === 1 ? 2 : major === 2 || major === 3 ? 4 : 0;
  if (!lenBytes) throw new TritforgeError(`${source}: .npy format version ${major}.${buf[7]} is not supported`);
  if (buf.length < 8 + lenBytes) throw new TritforgeError(`${source}: truncated .npy header`);
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (buf.length < start) throw new TritforgeError(`${source}: truncated .npy header (${buf.length} bytes, header ends at ${start})`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(buf.subarray(8 + lenBytes, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new TritforgeError(`${source}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === "True") throw new TritforgeError(`${source}: Fortran-order arrays are not supported (save with numpy.ascontiguousarray)`);
  const dims = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new TritforgeError(`${source}: malformed .npy shape (${shapeText})`);
  const m = /^([<|=])([ui][1248])$/.exec(descr);
  const type = m ? INT_TYPES[m[2]!] : undefined;
  if (!m || !type || (type.bytes > 1 && m[1] === "|")) throw new TritforgeError(`${source}: element type '${descr}' is not supported (use unsigned or signed little-endian integers)`);
  const count = dims.reduce((a, b) => a * b, 1);
  const payload = buf.length - start;
  if (payload !== count * type.bytes)
    throw new TritforgeError(`${source}: shape (${dims.join(", ")}) of '${descr}' needs ${count * type.bytes} bytes of data, found ${payload}${payload < count * type.bytes ? " (truncated)" : " (trailing bytes)"}`);
  if (descr.endsWith("u1")) return { dims, descr, data: buf.subarray(start, start + count) };
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = start + i * type.bytes;
    data[i] =
      type.bytes === 1
        ? view.getInt8(o)
        : type.bytes === 2
          ? type.signed
            ? view.getInt16(o, true)
            : view.getUint16(o, true)
          : type.bytes === 4
            ? type.signed
              ? view.getInt32(o, true)
              : view.getUint32(o, true)
            : Number(type.signed ? view.getBigInt64(o, true) : view.getBigUint64(o, true));
  }
  return { dims, descr, data };
}

export function readNpyFile(path: string): NpyArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new TritforgeError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseNpy(raw, path);
}

/** Encodes a C-order .npy (version 1.0) of uint8 ('|u1') or int64 ('<i8') values (tests and tools). */
export function encodeNpy(dims: number[], data: Uint8Array | BigInt64Array): Uint8Array {
  const descr = data instanceof Uint8Array ? "|u1" : "<i8";
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC);
  out.set([1, 0, header.length & 0xff, header.length >> 8], 6);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}
