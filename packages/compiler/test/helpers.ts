import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type MillraceConfig, type MillraceConfigInput, MillraceConfigSchema } from "@millrace/contracts";
import type { CompileOptions } from "../src/compile-plan.js";
import { type CompileResult, compilePlan } from "../src/index.js";

/** The repository's assets/ folder: the packaged baseline these tests compile against. */
export const REPO_ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../assets");

export const SHIPPED_MODES = [
  "default_codex",
  "default_pi",
  "default_claude",
  "default_codex_integrated",
  "blueprint_codex",
  "learning_codex",
  "learning_pi",
  "learning_claude",
  "learning_codex_integrated",
  "blueprint_learning_codex",
  "goalspec_codex",
  "demo",
] as const;

export function tempWorkspace(): string {
  return mkdtempSync(path.join(os.tmpdir(), "millrace-compiler-"));
}

export function config(input: MillraceConfigInput = {}): MillraceConfig {
  return MillraceConfigSchema.parse(input);
}

/** A packaged asset as JSON (a deep copy to mutate). */
export function packagedJson<T = Record<string, unknown>>(rel: string): T {
  return JSON.parse(readFileSync(path.join(REPO_ASSETS, rel), "utf8")) as T;
}

/** Writes a workspace-local asset under millrace-agents/. */
export function writeWorkspaceAsset(root: string, rel: string, content: unknown): string {
  const file = path.join(root, "millrace-agents", rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

export function compile(
  root: string,
  cfg: MillraceConfig = config(),
  options: CompileOptions = {},
): CompileResult {
  return compilePlan(root, cfg, {
    packagedRoot: REPO_ASSETS,
    now: () => new Date("2026-01-01T00:00:00Z"),
    ...options,
  });
}
