import { CommanderError } from "commander";
import { TritforgeError } from "./errors.js";

/**
 * Runs a CLI main function: a TritforgeError (or a commander usage error already printed) becomes a
 * one-line message on stderr and exit code 1; anything else is a bug and keeps its stack.
 */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      if (err instanceof TritforgeError) {
        process.stderr.write(`error: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
        process.exit(1);
      }
      if (err instanceof CommanderError) process.exit(err.exitCode);
      process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}

/** Parses a decimal integer CLI value within [min, max], or throws a one-line error naming the flag. */
export function parseIntFlag(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(value.trim())) throw new TritforgeError(`${flag} must be an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new TritforgeError(`${flag} must be in [${min}, ${max}], got ${n}`);
  return n;
}

/** Parses a finite decimal CLI number, or throws a one-line error naming the flag. */
export function parseNumberFlag(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new TritforgeError(`${flag} must be a number, got "${value}"`);
  return n;
}
