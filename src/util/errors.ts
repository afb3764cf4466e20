/**
 * An expected failure caused by bad input or a missing tool. CLIs print its message as one line
 * and exit non-zero; anything else escaping a CLI is a bug and keeps its stack trace.
 */
export class TritforgeError extends Error {
  override readonly name = "TritforgeError";
}

/** Throws a TritforgeError unless the condition holds. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new TritforgeError(message);
}
