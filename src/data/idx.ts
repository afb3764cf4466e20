/**
 * IDX files (the MNIST / Fashion-MNIST container): a 4-byte magic (0, 0, type, ndims), ndims
 * big-endian uint32 dimensions, then the row-major payload. Only unsigned-byte payloads
 * (type 0x08) are supported; files may be gzipped (detected by the 1f 8b magic, not the name).
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { TritforgeError } from "../util/errors.js";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;
const MAX_DIMS = 4;

/** Parses an unsigned-byte IDX buffer; `data` is a view into `buf` (no copy). */
export function parseIdx(buf: Uint8Array, source = "IDX data"): IdxArray {
  if (buf.length < 4) throw new TritforgeError(`${source}: ${buf.length} bytes is too short for an IDX header`);
  const [z0, z1, type, nd] = [buf[0]!, buf[1]!, buf[2]!, buf[3]!];
  if (z0 !== 0 || z1 !== 0) throw new TritforgeError(`${source}: not an IDX file (magic ${hex(buf.subarray(0, 4))})`);
  if (type !== UBYTE) throw new TritforgeError(`${source}: IDX element type 0x${type.toString(16).padStart(2, "0")} is not supported (only unsigned bytes, 0x08)`);
  if (nd < 1 || nd > MAX_DIMS) throw new TritforgeError(`${source}: IDX header declares ${nd} dimensions (expected 1 to ${MAX_DIMS})`);
  const headerBytes = 4 + 4 * nd;
  if (buf.length < headerBytes) throw new TritforgeError(`${source}: truncated IDX header (${buf.length} bytes, need ${headerBytes})`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const payload = buf.length - headerBytes;
  if (payload !== size)
    throw new TritforgeError(`${source}: IDX dimensions [${dims.join(", ")}] need ${size} bytes of data, found ${payload}${payload < size ? " (truncated)" : " (trailing bytes)"}`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, size) };
}

/** Reads an IDX file, gunzipping it first when it starts with the gzip magic. */
export function readIdxFile(path: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new TritforgeError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (isGzip(raw)) {
    try {
      raw = gunzipSync(raw);
    } catch (err) {
      throw new TritforgeError(`${path}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  return parseIdx(raw, path);
}

export const isGzip = (buf: Uint8Array): boolean => buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;

/** Encodes an unsigned-byte IDX buffer (the inverse of parseIdx; used by tests and tools). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new TritforgeError(`encodeIdx: dimensions [${dims.join(", ")}] need ${size} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + size);
  out.set([0, 0, UBYTE, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
