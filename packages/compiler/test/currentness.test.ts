import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CompileDiagnosticsSchema, MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { ensureCompiledPlan, planCurrentness } from "../src/index.js";
import { requireCurrentPlan } from "../src/plan-currentness.js";
import { readCompiledPlan } from "../src/plan-store.js";
import { compile, config, packagedJson, REPO_ASSETS, tempWorkspace, writeWorkspaceAsset } from "./helpers.js";

const planFile = (root: string) => path.join(root, "millrace-agents", "state", "compiled_plan.json");
const diagnosticsFile = (root: string) =>
  path.join(root, "millrace-agents", "state", "compile_diagnostics.json");
const opts = { packagedRoot: REPO_ASSETS };

function compiledWorkspace() {
  const root = tempWorkspace();
  const result = compile(root);
  expect(result.persisted).toBe(true);
  return { root, result };
}

describe("currentness", () => {
  it("is missing before the first compile and current right after it", () => {
    const root = tempWorkspace();
    const before = planCurrentness(root, config(), opts);
    expect(before.state).toBe("missing");
    expect(before.expected.assets_fingerprint).toBe("assets-missing");
    expect(before.reasons[0]).toContain("no compiled plan");
    compile(root);
    const after = planCurrentness(root, config(), opts);
    expect(after).toMatchObject({ state: "current", reasons: [] });
    expect(after.persisted).toEqual(after.expected);
  });

  it("treats an unreadable plan file as missing", () => {
    const { root } = compiledWorkspace();
    writeFileSync(planFile(root), "{ broken");
    expect(planCurrentness(root, config(), opts)).toMatchObject({ state: "missing" });
  });

  it("validates a plan text once per process, hands out copies, and sees every change of the file", () => {
    const { root } = compiledWorkspace();
    const first = readCompiledPlan(root).plan;
    const second = readCompiledPlan(root).plan;
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    (first as { mode_id: string }).mode_id = "changed by a caller";
    expect(readCompiledPlan(root).plan?.mode_id).not.toBe("changed by a caller");
    // Still valid JSON, no longer a plan: the remembered parse is not used for another text.
    const text = readFileSync(planFile(root), "utf8");
    writeFileSync(planFile(root), text.replace('"kind": "compiled_run_plan"', '"kind": "other"'));
    const invalid = readCompiledPlan(root);
    expect(invalid.plan).toBeUndefined();
    expect(invalid.plan === undefined && invalid.reason).toMatch(/does not match the plan schema/);
    writeFileSync(planFile(root), text);
    expect(readCompiledPlan(root).plan).toEqual(second);
  });

  it("goes stale when an asset the plan used is edited, naming the asset", () => {
    const { root } = compiledWorkspace();
    // biome-ignore lint/suspicious/noExplicitAny: edits arbitrary JSON.
    const graph = packagedJson<any>("graphs/execution/standard.json");
    graph.description = "edited locally";
    writeWorkspaceAsset(root, "graphs/execution/standard.json", graph);
    const state = planCurrentness(root, config(), opts);
    expect(state.state).toBe("stale");
    expect(state.reasons.join("\n")).toContain(
      "graph_loop execution.standard now comes from millrace-agents/graphs/execution/standard.json",
    );
    // The same workspace file edited again is reported as a content change.
    compile(root);
    graph.description = "edited twice";
    writeWorkspaceAsset(root, "graphs/execution/standard.json", graph);
    expect(planCurrentness(root, config(), opts).reasons.join("\n")).toContain(
      "graph_loop execution.standard changed (millrace-agents/graphs/execution/standard.json)",
    );
  });

  it("goes stale when an entrypoint is edited", () => {
    const { root } = compiledWorkspace();
    const text = readFileSync(path.join(REPO_ASSETS, "entrypoints/execution/builder.md"), "utf8");
    writeWorkspaceAsset(root, "entrypoints/execution/builder.md", `${text}\nLocal note.\n`);
    const state = planCurrentness(root, config(), opts);
    expect(state.state).toBe("stale");
    expect(state.reasons.join("\n")).toContain("entrypoint entrypoints/execution/builder.md");
  });

  it.each([
    ["stages.builder.model", { stages: { builder: { model: "gpt-5" } } }],
    ["recovery.max_fix_cycles", { recovery: { max_fix_cycles: 3 } }],
    ["runners.default_runner", { runners: { default_runner: "pi_rpc" } }],
    ["runners.codex.model_reasoning_effort", { runners: { codex: { model_reasoning_effort: "high" } } }],
    [
      "execution_capabilities.defaults.network_access",
      { execution_capabilities: { defaults: { network_access: "allow" } } },
    ],
  ] as const)("goes stale when the structural key %s changes, naming it", (key, input) => {
    const { root } = compiledWorkspace();
    const state = planCurrentness(root, config(input as never), opts);
    expect(state.state).toBe("stale");
    expect(state.reasons.join("\n")).toContain(key);
  });

  it.each([
    ["usage governance", { usage_governance: { enabled: true } }],
    ["watchers", { watchers: { enabled: false, debounce_ms: 10 } }],
    ["runner env", { runners: { codex: { env: { OPENAI_BASE_URL: "http://x" } } } }],
    ["runner command and args", { runners: { pi: { command: "/opt/pi", args: ["--verbose"] } } }],
    ["permissions", { runners: { codex: { permission_default: "basic" } } }],
    ["idle sleep", { runtime: { idle_sleep_seconds: 5 } }],
  ] as const)("stays current when a next-tick key changes (%s)", (_label, input) => {
    const { root } = compiledWorkspace();
    expect(planCurrentness(root, config(input as never), opts)).toMatchObject({
      state: "current",
      reasons: [],
    });
  });

  it("goes stale when the expected mode differs", () => {
    const { root } = compiledWorkspace();
    const state = planCurrentness(root, config(), { ...opts, mode: "default_pi" });
    expect(state.state).toBe("stale");
    expect(state.reasons[0]).toContain("the plan is for default_codex, the runtime expects default_pi");
  });

  it("requireCurrentPlan refuses a stale or missing plan with exit status 3", () => {
    const root = tempWorkspace();
    const missing = (() => {
      try {
        requireCurrentPlan(root, config(), opts);
      } catch (error) {
        return error;
      }
    })();
    expect(MillraceError.isInstance(missing) && missing.code).toBe("compiled_plan_missing");
    compile(root);
    expect(requireCurrentPlan(root, config(), opts).mode_id).toBe("default_codex");
    try {
      requireCurrentPlan(root, config({ stages: { fixer: { timeout_seconds: 60 } } }), opts);
      expect.unreachable();
    } catch (error) {
      expect(MillraceError.isInstance(error)).toBe(true);
      const err = error as MillraceError;
      expect(err.code).toBe("compiled_plan_stale");
      expect(err.exitStatus).toBe(3);
      expect(err.message).toContain("stages.fixer.timeout_seconds");
    }
  });
});

describe("persisting and last known good", () => {
  it("writes the plan and ok diagnostics atomically", () => {
    const { root, result } = compiledWorkspace();
    expect(JSON.parse(readFileSync(planFile(root), "utf8")).compiled_plan_id).toBe(
      result.plan?.compiled_plan_id,
    );
    const diagnostics = CompileDiagnosticsSchema.parse(
      JSON.parse(readFileSync(diagnosticsFile(root), "utf8")),
    );
    expect(diagnostics).toMatchObject({ ok: true, mode_id: "default_codex", errors: [] });
  });

  it("keeps the last known good plan and writes failing diagnostics when a recompile fails", () => {
    const { root, result } = compiledWorkspace();
    const before = readFileSync(planFile(root), "utf8");
    // biome-ignore lint/suspicious/noExplicitAny: edits arbitrary JSON.
    const graph = packagedJson<any>("graphs/execution/standard.json");
    graph.nodes[0].stage_kind_id = "nope";
    writeWorkspaceAsset(root, "graphs/execution/standard.json", graph);
    const failed = compile(root);
    expect(failed.ok).toBe(false);
    expect(failed.usedLastKnownGood).toBe(true);
    expect(failed.plan?.compiled_plan_id).toBe(result.plan?.compiled_plan_id);
    expect(readFileSync(planFile(root), "utf8")).toBe(before);
    const diagnostics = CompileDiagnosticsSchema.parse(
      JSON.parse(readFileSync(diagnosticsFile(root), "utf8")),
    );
    expect(diagnostics.ok).toBe(false);
    expect(diagnostics.used_last_known_good).toBe(true);
    expect(diagnostics.errors[0]).toContain("stage kind nope does not exist");
  });

  it("refuses a stale last known good plan at engine startup", () => {
    const { root } = compiledWorkspace();
    // biome-ignore lint/suspicious/noExplicitAny: edits arbitrary JSON.
    const graph = packagedJson<any>("graphs/execution/standard.json");
    graph.nodes[0].stage_kind_id = "nope";
    writeWorkspaceAsset(root, "graphs/execution/standard.json", graph);
    try {
      ensureCompiledPlan(root, config(), opts);
      expect.unreachable();
    } catch (error) {
      expect((error as MillraceError).code).toBe("compile_failed");
      expect((error as MillraceError).details.errors).toHaveLength(1);
    }
  });

  it("ensureCompiledPlan reuses a current plan without writing, and recompiles a stale one", () => {
    const { root, result } = compiledWorkspace();
    const reused = ensureCompiledPlan(root, config(), opts);
    expect(reused.reused).toBe(true);
    expect(reused.plan.compiled_plan_id).toBe(result.plan?.compiled_plan_id);
    const changed = ensureCompiledPlan(root, config({ stages: { builder: { model: "m1" } } }), opts);
    expect(changed.reused).toBe(false);
    expect(changed.persisted).toBe(true);
    expect(changed.plan.compiled_plan_id).not.toBe(result.plan?.compiled_plan_id);
  });

  it("a --mode preview never overwrites the canonical plan or its diagnostics", () => {
    const { root } = compiledWorkspace();
    const plan = readFileSync(planFile(root), "utf8");
    const diagnostics = readFileSync(diagnosticsFile(root), "utf8");
    const preview = compile(root, config(), { mode: "default_pi" });
    expect(preview).toMatchObject({ ok: true, preview: true, persisted: false });
    expect(preview.plan?.mode_id).toBe("default_pi");
    const failedPreview = compile(root, config(), { mode: "no_such_mode" });
    expect(failedPreview.ok).toBe(false);
    expect(readFileSync(planFile(root), "utf8")).toBe(plan);
    expect(readFileSync(diagnosticsFile(root), "utf8")).toBe(diagnostics);
  });

  it("a preview on a fresh workspace writes nothing at all", () => {
    const root = tempWorkspace();
    compile(root, config(), { mode: "default_pi" });
    expect(existsSync(path.join(root, "millrace-agents"))).toBe(false);
  });
});
