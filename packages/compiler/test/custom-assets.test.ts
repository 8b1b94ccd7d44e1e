import { describe, expect, it } from "vitest";
import { compile, config, packagedJson, tempWorkspace, writeWorkspaceAsset } from "./helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary JSON.
type Json = any;

/** A custom execution stage kind `linter` between builder and checker, in its own graph and mode. */
function customWorkspace(): string {
  const root = tempWorkspace();
  writeWorkspaceAsset(root, "registry/stage_kinds/execution/linter.json", {
    schema_version: "1.0",
    kind: "registered_stage_kind",
    stage_kind_id: "linter",
    plane: "execution",
    display_name: "Linter",
    default_entrypoint_path: "entrypoints/execution/linter.md",
    required_skill_paths: ["skills/local/linter-core/SKILL.md"],
    running_status_marker: "### LINTER_RUNNING",
    legal_outcomes: ["LINT_CLEAN", "LINT_DIRTY", "BLOCKED"],
    success_outcomes: ["LINT_CLEAN"],
    failure_outcomes: ["BLOCKED"],
    allowed_result_classes_by_outcome: {
      LINT_CLEAN: ["success"],
      LINT_DIRTY: ["followup_needed"],
      BLOCKED: ["blocked", "recoverable_failure"],
    },
    allowed_work_item_families: ["task"],
  });
  writeWorkspaceAsset(root, "entrypoints/execution/linter.md", "# Linter Entry Instructions\n");
  writeWorkspaceAsset(root, "skills/local/linter-core/SKILL.md", "# linter-core\n");
  const graph = packagedJson<Json>("graphs/execution/standard.json");
  graph.loop_id = "execution.linted";
  graph.nodes.push({ node_id: "linter", stage_kind_id: "linter" });
  graph.edges.find((e: Json) => e.edge_id === "builder-complete").to_node_id = "linter";
  graph.edges.push(
    { edge_id: "linter-clean", from_node_id: "linter", to_node_id: "checker", on_outcomes: ["LINT_CLEAN"] },
    { edge_id: "linter-dirty", from_node_id: "linter", to_node_id: "fixer", on_outcomes: ["LINT_DIRTY"] },
    {
      edge_id: "linter-blocked",
      from_node_id: "linter",
      to_node_id: "troubleshooter",
      on_outcomes: ["BLOCKED"],
    },
  );
  writeWorkspaceAsset(root, "graphs/execution/linted.json", graph);
  const mode = packagedJson<Json>("modes/default_codex.json");
  mode.mode_id = "linted_codex";
  mode.loop_ids_by_plane.execution = "execution.linted";
  mode.stage_runner_bindings.linter = "codex_cli";
  writeWorkspaceAsset(root, "modes/team/linted.json", mode);
  return root;
}

describe("workspace-defined assets (decision 8)", () => {
  it("compiles a custom stage kind in a custom graph selected by a workspace mode", () => {
    const root = customWorkspace();
    const result = compile(root, config({ runtime: { default_mode: "linted_codex" } }));
    expect(result.diagnostics.errors).toEqual([]);
    const linter = result.plan!.execution_graph!.nodes.find((n) => n.node_id === "linter");
    expect(linter).toMatchObject({
      stage_kind_id: "linter",
      stage: "linter",
      running_status_marker: "### LINTER_RUNNING",
      entrypoint_path: "entrypoints/execution/linter.md",
      runner_name: "codex_cli",
    });
    expect(result.plan!.resolved_assets.map((a) => a.compile_time_path)).toContain(
      "millrace-agents/modes/team/linted.json",
    );
    expect(result.plan!.resolved_assets.map((a) => a.compile_time_path)).toContain(
      "millrace-agents/registry/stage_kinds/execution/linter.json",
    );
  });

  it("refuses two mode files declaring the same mode_id", () => {
    const root = customWorkspace();
    const mode = packagedJson<Json>("modes/default_codex.json");
    mode.mode_id = "linted_codex";
    writeWorkspaceAsset(root, "modes/other/linted-copy.json", mode);
    const result = compile(root, config(), { mode: "linted_codex", preview: true });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.errors[0]).toContain("more than one mode file declares this mode_id");
  });

  it("holds custom kinds to the same outcome rules (missing BLOCKED, two classes)", () => {
    const root = customWorkspace();
    const kind = packagedJson<Json>("registry/stage_kinds/execution/fixer.json");
    Object.assign(kind, {
      stage_kind_id: "formatter",
      runtime_stage: "formatter",
      running_status_marker: "### FORMATTER_RUNNING",
      legal_outcomes: ["FORMAT_DONE"],
      success_outcomes: ["FORMAT_DONE"],
      failure_outcomes: [],
      allowed_result_classes_by_outcome: { FORMAT_DONE: ["success", "no_op"] },
    });
    writeWorkspaceAsset(root, "registry/stage_kinds/execution/formatter.json", kind);
    const errors = compile(root, config(), { mode: "linted_codex", preview: true }).diagnostics.errors.join(
      "\n",
    );
    expect(errors).toContain("stage kind formatter: legal_outcomes does not include BLOCKED");
    expect(errors).toContain(
      "stage kind formatter outcome FORMAT_DONE: an outcome other than BLOCKED must allow exactly one result class",
    );
  });

  it("a workspace copy of a packaged asset wins over the packaged one", () => {
    const root = tempWorkspace();
    const mode = packagedJson<Json>("modes/default_codex.json");
    mode.stage_model_bindings = { builder: "local-model" };
    writeWorkspaceAsset(root, "modes/default_codex.json", mode);
    const result = compile(root);
    expect(result.plan!.execution_graph!.nodes[0]!.model_name).toBe("local-model");
    expect(result.plan!.resolved_assets[0]!.compile_time_path).toBe(
      "millrace-agents/modes/default_codex.json",
    );
  });

  it("an unknown runner name compiles with a warning (embedders register their own runners)", () => {
    const result = compile(tempWorkspace(), config({ stages: { builder: { runner: "my_runner" } } }));
    expect(result.ok).toBe(true);
    expect(result.plan!.execution_graph!.nodes[0]!.runner_name).toBe("my_runner");
    expect(result.diagnostics.warnings.join("\n")).toContain(
      "node builder: runner my_runner is not one of the built-in runners",
    );
  });
});
