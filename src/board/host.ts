/**
 * The host side of the board link: streams test images to a board over a serial port, reads each
 * reply and checks class and logits against the bit-exact reference. The serial port is reached
 * through `SerialLink`; `openSerialLink` implements it with the `serialport` package.
 */
import { SerialPort } from "serialport";
import { TritforgeError } from "../util/errors.js";
import { decodeReply, imageBytes, replyBytes, type ProtocolShape, type Reply } from "./protocol.js";

export interface SerialLink {
  write(bytes: Uint8Array): Promise<void>;
  /** Resolves with exactly `n` bytes, or null when they have not all arrived within `timeoutMs`. */
  read(n: number, timeoutMs: number): Promise<Uint8Array | null>;
  /** Drops whatever has been received and not read. */
  discard(): void;
  close(): Promise<void>;
}

/** A link over a serial port (8N1 at `baud`). */
export function openSerialLink(path: string, baud: number): Promise<SerialLink> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: baud, dataBits: 8, stopBits: 1, parity: "none", autoOpen: false });
    let buffered = Buffer.alloc(0);
    let waiter: (() => void) | null = null;
    port.on("data", (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      waiter?.();
    });
    port.open((err) => {
      if (err) return reject(new TritforgeError(`cannot open serial port ${path}: ${err.message}`));
      resolve({
        write: (bytes) =>
          new Promise((res, rej) => {
            port.write(Buffer.from(bytes), (e) => (e ? rej(new TritforgeError(`write to ${path} failed: ${e.message}`)) : port.drain((e2) => (e2 ? rej(new TritforgeError(`write to ${path} failed: ${e2.message}`)) : res()))));
          }),
        read: (n, timeoutMs) =>
          new Promise((res) => {
            const take = () => {
              if (buffered.length < n) return false;
              const out = new Uint8Array(buffered.subarray(0, n));
              buffered = buffered.subarray(n);
              return out;
            };
            const now = take();
            if (now) return res(now);
            const timer = setTimeout(() => {
              waiter = null;
              res(null);
            }, timeoutMs);
            waiter = () => {
              const got = take();
              if (got) {
                clearTimeout(timer);
                waiter = null;
                res(got);
              }
            };
          }),
        discard: () => {
          buffered = Buffer.alloc(0);
        },
        close: () => new Promise((res) => (port.isOpen ? port.close(() => res()) : res())),
      });
    });
  });
}

export interface HostImageResult {
  image: number;
  /** null when no reply came (the image was lost on the link). */
  reply: Reply | null;
  reference: { predicted: number; logits: number[] };
  label: number | null;
  /** Class and every logit equal the reference. */
  exact: boolean;
}

export interface HostRunOptions {
  shape: ProtocolShape;
  baud: number;
  /** Idle time after which the board restarts its byte count (a lost image is followed by twice this pause). */
  idleMs: number;
  onImage?: (r: HostImageResult) => void;
}

/**
 * Sends `count` images one at a time (stop and wait) and checks every reply. `reference(i)` gives
 * the reference class and logits of image i.
 */
export async function runImages(
  link: SerialLink,
  pixels: ArrayLike<number>,
  count: number,
  reference: (i: number) => { predicted: number; logits: number[] },
  labels: ArrayLike<number> | null,
  o: HostRunOptions,
): Promise<HostImageResult[]> {
  const n = replyBytes(o.shape);
  const lineMs = ((o.shape.features + n) * 10 * 1000) / o.baud;
  const results: HostImageResult[] = [];
  for (let i = 0; i < count; i++) {
    await link.write(imageBytes(o.shape, pixels, i));
    const bytes = await link.read(n, Math.ceil(3 * lineMs) + 1000);
    const ref = reference(i);
    const reply = bytes ? decodeReply(o.shape, bytes) : null;
    const exact = reply !== null && !reply.error && reply.predicted === ref.predicted && reply.logits.every((v, c) => v === ref.logits[c]);
    const r: HostImageResult = { image: i, reply, reference: ref, label: labels ? labels[i]! : null, exact };
    results.push(r);
    o.onImage?.(r);
    if (!bytes) {
      // Let the board's idle timer restart its byte count, then drop any late bytes.
      await new Promise((res) => setTimeout(res, 2 * o.idleMs));
      link.discard();
    }
  }
  return results;
}
