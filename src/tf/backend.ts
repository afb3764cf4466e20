/**
 * TF.js backend selection. Preference "auto" tries @tensorflow/tfjs-node (native TensorFlow; an
 * optional package that only installs where libtensorflow can be downloaded), then the wasm
 * backend (XNNPACK kernels, one thread in Node), then the pure-JS cpu backend.
 * Importing this module has no side effects; call initBackend() once before using TF.js.
 */
import * as tf from "@tensorflow/tfjs-core";
import { TritforgeError } from "../util/errors.js";

export type BackendPreference = "auto" | "tensorflow" | "wasm" | "cpu";
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ["auto", "tensorflow", "wasm", "cpu"];

async function tryNode(): Promise<boolean> {
  try {
    const name = "@tensorflow/tfjs-node"; // a variable keeps bundlers and tsc from requiring it
    await import(name);
    return await tf.setBackend("tensorflow");
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<boolean> {
  try {
    await import("@tensorflow/tfjs-backend-wasm");
    return await tf.setBackend("wasm");
  } catch {
    return false;
  }
}

async function tryCpu(): Promise<boolean> {
  await import("@tensorflow/tfjs-backend-cpu");
  return tf.setBackend("cpu");
}

let current: Promise<string> | null = null;
let currentPref: BackendPreference | null = null;

/** Selects and initialises a backend; returns its name ("tensorflow", "wasm" or "cpu"). */
export function initBackend(pref: BackendPreference | string = "auto"): Promise<string> {
  if (!BACKEND_PREFERENCES.includes(pref as BackendPreference)) throw new TritforgeError(`unknown backend "${pref}"; use one of ${BACKEND_PREFERENCES.join(", ")}`);
  if (current && currentPref === pref) return current;
  currentPref = pref as BackendPreference;
  current = (async () => {
    tf.env().set("PROD", true);
    const order: Array<[string, () => Promise<boolean>]> =
      pref === "tensorflow" ? [["tensorflow", tryNode]] : pref === "wasm" ? [["wasm", tryWasm]] : pref === "cpu" ? [["cpu", tryCpu]] : [["tensorflow", tryNode], ["wasm", tryWasm], ["cpu", tryCpu]];
    for (const [name, attempt] of order) {
      if (await attempt()) {
        await tf.ready();
        return name;
      }
    }
    throw new TritforgeError(
      pref === "tensorflow" ? "backend tensorflow needs @tensorflow/tfjs-node, which is not installed (it cannot install without downloading libtensorflow)" : `backend ${pref} could not be initialised`,
    );
  })();
  return current;
}

/** The active backend's name (after initBackend). */
export const backendName = (): string => tf.getBackend();

/** The active backend with the variant that decides its arithmetic: "wasm-simd" or "wasm" (which wasm binary runs), "cpu", "tensorflow". */
export async function backendVariant(): Promise<string> {
  const name = tf.getBackend();
  if (name !== "wasm") return name;
  return (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) ? "wasm-simd" : "wasm";
}
