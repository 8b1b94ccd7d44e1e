// Small timing helpers shared by the suites.
import { performance } from "node:perf_hooks";

export async function time(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export function report(label, ms, count) {
  const per = count ? `  (${(ms / count).toFixed(4)} ms/op over ${count})` : "";
  console.log(`${label.padEnd(56)} ${ms.toFixed(1).padStart(10)} ms${per}`);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
