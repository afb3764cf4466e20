/**
 * CPU seconds used by this process's finished child processes (Linux: cutime + cstime of
 * /proc/self/stat), so a simulation's cost can be quoted independently of how loaded the machine
 * is. Null where /proc is not available.
 */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node supports

export function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which is in parentheses and may contain spaces).
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    return (Number(rest[13]) + Number(rest[14])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
