import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { type MillraceConfigInput, MillraceConfigSchema } from "@millrace/contracts";
import { createRunnerRegistry, type DispatchOptions, dispatchStage } from "../src/index.js";
import type { StageFixture } from "../src/testing/index.js";

/** Pids of live (non-zombie) processes whose command line contains `needle`, read from /proc. */
export function livePidsWithArg(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      if (!cmdline.split("\0").includes(needle)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      if (state !== "Z" && state !== "X") pids.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** Every file under the run folder, with its content. */
export function runFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(full, readFileSync(full, "utf8"));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

export function config(input: MillraceConfigInput = {}) {
  return MillraceConfigSchema.parse(input);
}

export function dispatch(
  fx: StageFixture,
  options: Partial<DispatchOptions> & Pick<DispatchOptions, "config">,
  request = fx.request,
) {
  return dispatchStage(request, {
    registry: createRunnerRegistry(),
    limits: { killGraceMs: 500 },
    ...options,
  });
}

export function uniqueTag(): string {
  return `${1000 + Math.floor(Math.random() * 8000)}.${Date.now() % 100000}`;
}

/** Pids of live processes whose working directory is `dir` (stage processes run in the workspace root). */
export function livePidsWithCwd(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`) !== dir) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
      if (state !== "Z" && state !== "X") pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}
