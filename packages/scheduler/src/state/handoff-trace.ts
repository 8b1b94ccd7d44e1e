import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { performance } from "node:perf_hooks";
import { compareCodeUnits } from "@millrace/contracts";

/**
 * Where a stage handoff's time goes, when `MILLRACE_TRACE_HANDOFF` is set (a file path, or `1` for
 * stderr): named spans with their wall time and the `fsync`s made inside them, summed per name and
 * printed per stage when the process exits. Off, `traced` is a plain call: nothing is measured.
 */
const target = process.env.MILLRACE_TRACE_HANDOFF;
const ON = target !== undefined && target !== "" && target !== "0";

interface SpanTotals {
  calls: number;
  ms: number;
  fsyncs: number;
  fsyncMs: number;
}

const totals = new Map<string, SpanTotals>();
let fsyncCount = 0;
let fsyncMs = 0;
let stages = 0;

function countFsyncs(): void {
  // Diagnostics only: every fsync of the process is counted and timed while tracing is on.
  const original = { fsyncSync: fs.fsyncSync, fdatasyncSync: fs.fdatasyncSync };
  for (const name of ["fsyncSync", "fdatasyncSync"] as const) {
    fs[name] = (fd: number) => {
      const started = performance.now();
      try {
        original[name](fd);
      } finally {
        fsyncCount += 1;
        fsyncMs += performance.now() - started;
      }
    };
  }
  syncBuiltinESMExports();
}

function add(name: string, ms: number, fsyncs: number, syncMs: number): void {
  const entry = totals.get(name) ?? { calls: 0, ms: 0, fsyncs: 0, fsyncMs: 0 };
  entry.calls += 1;
  entry.ms += ms;
  entry.fsyncs += fsyncs;
  entry.fsyncMs += syncMs;
  totals.set(name, entry);
}

/** Runs `body` as the named span (a promise is timed until it settles). */
export function traced<T>(name: string, body: () => T): T {
  if (!ON) return body();
  const started = performance.now();
  const syncs = fsyncCount;
  const syncMs = fsyncMs;
  const done = () => add(name, performance.now() - started, fsyncCount - syncs, fsyncMs - syncMs);
  const value = body();
  if (value instanceof Promise) {
    return value.finally(done) as T;
  }
  done();
  return value;
}

/** Counts one applied stage (the denominator of the per-stage figures). */
export function traceStageApplied(): void {
  if (ON) stages += 1;
}

/** Adds a measured span that did not run as one call (e.g. the runner's own time inside a dispatch). */
export function traceAdd(name: string, ms: number): void {
  if (ON) add(name, ms, 0, 0);
}

/** The summary table: per span, calls and wall ms / fsyncs per applied stage. */
export function handoffTraceReport(): string {
  const per = Math.max(stages, 1);
  const lines = [
    `handoff trace: ${stages} stages; per stage: ${(fsyncCount / per).toFixed(2)} fsyncs, ${(fsyncMs / per).toFixed(3)} ms in fsync`,
    `${"span".padEnd(36)} ${"calls".padStart(7)} ${"ms/stage".padStart(9)} ${"fsync/stage".padStart(12)} ${"fsync ms".padStart(9)}`,
  ];
  for (const [name, entry] of [...totals].sort((a, b) => compareCodeUnits(a[0], b[0]))) {
    lines.push(
      `${name.padEnd(36)} ${String(entry.calls).padStart(7)} ${(entry.ms / per).toFixed(3).padStart(9)} ${(entry.fsyncs / per).toFixed(2).padStart(12)} ${(entry.fsyncMs / per).toFixed(3).padStart(9)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

if (ON) {
  countFsyncs();
  process.on("exit", () => {
    const text = handoffTraceReport();
    if (target === "1") process.stderr.write(text);
    else fs.appendFileSync(target as string, text);
  });
}
