import { readFileSync } from "node:fs";

/**
 * When a process started, as the kernel counts it: field 22 of `/proc/<pid>/stat` (clock ticks
 * since boot). A pid is reused once its process is gone; the start time is not, so the pair names
 * one process. Where `/proc` is absent (macOS, Windows) or unreadable the answer is undefined and
 * callers fall back to the pid alone.
 */
export function processStartTime(pid: number, procRoot = "/proc"): number | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  return parseProcStatStartTime(text);
}

/** Field 22 of a `/proc/<pid>/stat` line. The command name (field 2) may hold spaces and parentheses. */
export function parseProcStatStartTime(text: string): number | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  // Fields after the name start at field 3, so field 22 is the 20th of them.
  const field = text
    .slice(close + 1)
    .trim()
    .split(/\s+/)[19];
  if (field === undefined || !/^\d+$/.test(field)) return undefined;
  const value = Number(field);
  return Number.isSafeInteger(value) ? value : undefined;
}
