import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type CompileDiagnostics,
  type CompiledRunPlan,
  CompiledRunPlanSchema,
  formatTimestamp,
  typedJson,
} from "@millrace/contracts";
import { workspacePaths, writeFileAtomicSync } from "@millrace/workspace";
import type { CompileIssue } from "./issues.js";
import { formatIssue } from "./issues.js";

export type PlanReadResult = { plan: CompiledRunPlan } | { plan: undefined; reason: string };

/**
 * The last plan text this process validated and its parse. A process that reads the same plan twice
 * (the supervisor report: the doctor's plan check, then the status read model) validates it once;
 * the first validation of a plan is the costly part of a cold `status`. Callers get a copy.
 */
let lastValid: { file: string; text: string; plan: CompiledRunPlan } | undefined;

/** Reads `state/compiled_plan.json`; an absent, unreadable or invalid file is reported, never thrown. */
export function readCompiledPlan(workspaceRoot: string): PlanReadResult {
  const file = workspacePaths(workspaceRoot).compiledPlan;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { plan: undefined, reason: "no compiled plan at millrace-agents/state/compiled_plan.json" };
  }
  if (lastValid?.file === file && lastValid.text === text) return { plan: structuredClone(lastValid.plan) };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { plan: undefined, reason: "millrace-agents/state/compiled_plan.json is not valid JSON" };
  }
  // Without zod's JIT: a plan is validated once per text (lastValid), and JIT-compiling a checker
  // for each of the plan's object schemas costs more than the one walk it would speed up (about half
  // of the first validation in a cold `status`). Same checks, same verdict (test/plan-jitless.test.ts).
  const parsed = CompiledRunPlanSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    return {
      plan: undefined,
      reason: `millrace-agents/state/compiled_plan.json does not match the plan schema (${parsed.error.issues[0]?.message ?? "invalid"})`,
    };
  }
  lastValid = { file, text, plan: structuredClone(parsed.data) };
  return { plan: parsed.data };
}

/** The persisted plan, or undefined when absent or invalid. */
export function loadCompiledPlan(workspaceRoot: string): CompiledRunPlan | undefined {
  return readCompiledPlan(workspaceRoot).plan;
}

export function writeCompiledPlan(workspaceRoot: string, plan: CompiledRunPlan): void {
  const file = workspacePaths(workspaceRoot).compiledPlan;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomicSync(file, typedJson(plan));
}

export function buildDiagnostics(
  modeId: string,
  issues: readonly CompileIssue[],
  planId: string | null,
  usedLastKnownGood: boolean,
  now: Date,
): CompileDiagnostics {
  const errors = issues.filter((i) => i.severity === "error");
  const warnings = issues.filter((i) => i.severity === "warning");
  return {
    schema_version: "1.0",
    kind: "compile_diagnostics",
    ok: errors.length === 0,
    mode_id: modeId,
    compiled_plan_id: planId,
    used_last_known_good: usedLastKnownGood,
    errors: errors.map(formatIssue),
    warnings: warnings.map(formatIssue),
    issues: [...issues],
    emitted_at: formatTimestamp(now),
  };
}

export function writeDiagnostics(workspaceRoot: string, diagnostics: CompileDiagnostics): void {
  const file = workspacePaths(workspaceRoot).compileDiagnostics;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomicSync(file, typedJson(diagnostics));
}
