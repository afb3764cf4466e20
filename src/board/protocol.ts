/**
 * The board's serial protocol, shared by the host command and the co-simulation of the board top
 * (so both speak exactly the same bytes):
 *  - host -> board: one byte per pixel, an image is `features` bytes; the board frames images by
 *    counting bytes, and a line idle for `idleMs` in the middle of an image restarts the count
 *    (the accelerator's framing check then drops the broken image and resynchronises);
 *  - board -> host, one reply per image: a status byte (bit 7: an image was dropped since the
 *    previous reply, or a byte was lost; bits 6..0: the class) and then every logit as
 *    `logitBytes` little-endian two's-complement bytes.
 */
import { TritforgeError } from "../util/errors.js";

export interface ProtocolShape {
  features: number;
  classes: number;
  /** Bytes per logit on the wire. */
  logitBytes: number;
}

export interface Reply {
  predicted: number;
  /** The status byte's error flag. */
  error: boolean;
  logits: number[];
}

export const replyBytes = (s: ProtocolShape): number => 1 + s.classes * s.logitBytes;

/** The bytes that carry image `index` of a sample-major pixel array. */
export function imageBytes(s: ProtocolShape, pixels: ArrayLike<number>, index: number): Uint8Array {
  const out = new Uint8Array(s.features);
  for (let i = 0; i < s.features; i++) {
    const v = pixels[index * s.features + i]!;
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new TritforgeError(`pixel ${i} of image ${index} is ${v}: the serial link carries bytes 0..255`);
    out[i] = v;
  }
  return out;
}

/** Decodes one reply; throws on a short buffer. */
export function decodeReply(s: ProtocolShape, bytes: ArrayLike<number>, offset = 0): Reply {
  if (bytes.length - offset < replyBytes(s)) throw new TritforgeError(`reply too short: ${bytes.length - offset} of ${replyBytes(s)} bytes`);
  const status = bytes[offset]!;
  const logits: number[] = [];
  for (let c = 0; c < s.classes; c++) {
    let v = 0;
    for (let b = s.logitBytes - 1; b >= 0; b--) v = v * 256 + bytes[offset + 1 + c * s.logitBytes + b]!;
    const bits = 8 * s.logitBytes;
    logits.push(v >= 2 ** (bits - 1) ? v - 2 ** bits : v);
  }
  return { predicted: status & 0x7f, error: (status & 0x80) !== 0, logits };
}

/** Splits a byte stream into replies (a trailing partial reply is an error). */
export function decodeReplies(s: ProtocolShape, bytes: ArrayLike<number>): Reply[] {
  const n = replyBytes(s);
  if (bytes.length % n !== 0) throw new TritforgeError(`received ${bytes.length} bytes, not a whole number of ${n}-byte replies`);
  return Array.from({ length: bytes.length / n }, (_, i) => decodeReply(s, bytes, i * n));
}
