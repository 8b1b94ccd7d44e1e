import { describe, expect, it } from "vitest";
import { compile, config, packagedJson, tempWorkspace, writeWorkspaceAsset } from "./helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary JSON.
type Json = any;

function node(result: ReturnType<typeof compile>, id: string) {
  const found = Object.values(result.plan!.graphs_by_plane)
    .flatMap((g) => g!.nodes)
    .find((n) => n.node_id === id);
  if (!found) throw new Error(`node ${id} missing: ${result.diagnostics.errors.join("\n")}`);
  return found;
}

/** A workspace whose graph node, mode and config each set every resolvable field for `fixer`. */
function layered(layers: { node?: boolean; mode?: boolean }) {
  const root = tempWorkspace();
  if (layers.node) {
    const graph = packagedJson<Json>("graphs/execution/standard.json");
    Object.assign(
      graph.nodes.find((n: Json) => n.node_id === "fixer"),
      {
        runner_name: "pi_rpc",
        model_name: "node-model",
        timeout_seconds: 100,
        thinking_level: "low",
        permission_profile: "basic",
        entrypoint_path: "entrypoints/execution/checker.md",
      },
    );
    writeWorkspaceAsset(root, "graphs/execution/standard.json", graph);
  }
  const mode = packagedJson<Json>("modes/default_codex.json");
  if (!layers.mode) delete mode.stage_runner_bindings.fixer;
  if (layers.mode) {
    mode.stage_runner_bindings.fixer = "claude_code";
    mode.stage_model_bindings = { fixer: "mode-model" };
    mode.stage_timeout_bindings = { fixer: 200 };
    mode.stage_thinking_bindings = { fixer: "medium" };
    mode.stage_permission_bindings = { fixer: "elevated" };
    mode.stage_entrypoint_overrides = { fixer: "entrypoints/execution/doublechecker.md" };
  }
  writeWorkspaceAsset(root, "modes/default_codex.json", mode);
  return root;
}

describe("runner / model / timeout / thinking / permission precedence", () => {
  it("uses built-in defaults when nothing sets a value (runner = runners.default_runner)", () => {
    const result = compile(layered({}), config({ runners: { default_runner: "scripted" } }));
    expect(node(result, "fixer")).toMatchObject({
      runner_name: "scripted",
      model_name: null,
      timeout_seconds: 3600,
      thinking_level: null,
      permission_profile: null,
      model_reasoning_effort: null,
      entrypoint_path: "entrypoints/execution/fixer.md",
    });
  });

  it("graph node beats the defaults", () => {
    const result = compile(layered({ node: true }));
    expect(node(result, "fixer")).toMatchObject({
      runner_name: "pi_rpc",
      model_name: "node-model",
      timeout_seconds: 100,
      thinking_level: "low",
      permission_profile: "basic",
      entrypoint_path: "entrypoints/execution/checker.md",
    });
  });

  it("mode binding beats the graph node", () => {
    const result = compile(layered({ node: true, mode: true }));
    expect(node(result, "fixer")).toMatchObject({
      runner_name: "claude_code",
      model_name: "mode-model",
      timeout_seconds: 200,
      thinking_level: "medium",
      permission_profile: "elevated",
      entrypoint_path: "entrypoints/execution/doublechecker.md",
    });
  });

  it("[stages.<stage>] config beats the mode binding: the operator has the last word", () => {
    const cfg = config({
      stages: {
        fixer: {
          runner: "scripted",
          model: "config-model",
          timeout_seconds: 300,
          thinking_level: "high",
          model_reasoning_effort: "high",
        },
      },
    });
    const result = compile(layered({ node: true, mode: true }), cfg);
    expect(node(result, "fixer")).toMatchObject({
      runner_name: "scripted",
      model_name: "config-model",
      timeout_seconds: 300,
      thinking_level: "high",
      model_reasoning_effort: "high",
      // Permission has no [stages] key: the runner's own config applies at dispatch.
      permission_profile: "elevated",
    });
  });

  it("a [stages] table without timeout_seconds leaves the lower layers' timeout alone", () => {
    const result = compile(layered({ node: true }), config({ stages: { fixer: { model: "m" } } }));
    expect(node(result, "fixer").timeout_seconds).toBe(100);
  });

  it("an explicit null thinking binding in the mode clears the node's value", () => {
    const root = layered({ node: true });
    const mode = packagedJson<Json>("modes/default_codex.json");
    mode.stage_thinking_bindings = { fixer: null };
    writeWorkspaceAsset(root, "modes/default_codex.json", mode);
    expect(node(compile(root), "fixer").thinking_level).toBeNull();
  });

  it("model_reasoning_effort: runners.codex value, overridden per stage", () => {
    const cfg = config({
      runners: { codex: { model_reasoning_effort: "low" } },
      stages: { builder: { model_reasoning_effort: "xhigh" } },
    });
    const result = compile(tempWorkspace(), cfg);
    expect(node(result, "builder").model_reasoning_effort).toBe("xhigh");
    expect(node(result, "checker").model_reasoning_effort).toBe("low");
  });

  it("attached skills accumulate from the node and the mode, de-duplicated", () => {
    const root = tempWorkspace();
    const graph = packagedJson<Json>("graphs/execution/standard.json");
    graph.nodes[0].attached_skill_additions = ["skills/shared/run-evidence/SKILL.md"];
    writeWorkspaceAsset(root, "graphs/execution/standard.json", graph);
    const mode = packagedJson<Json>("modes/default_codex.json");
    mode.stage_skill_additions = {
      builder: ["skills/shared/run-evidence/SKILL.md", "skills/local/house-style/SKILL.md"],
    };
    writeWorkspaceAsset(root, "modes/default_codex.json", mode);
    const result = compile(root);
    expect(node(result, "builder").attached_skill_additions).toEqual([
      "skills/shared/run-evidence/SKILL.md",
      "skills/local/house-style/SKILL.md",
    ]);
    expect(result.diagnostics.warnings.join("\n")).toContain("skills/local/house-style/SKILL.md");
    const missing = result.plan!.resolved_assets.find(
      (a) => a.logical_id === "skills/local/house-style/SKILL.md",
    );
    expect(missing?.content_sha256).toBe("missing");
  });

  it("a node override the stage kind does not allow is refused", () => {
    const root = tempWorkspace();
    const kind = packagedJson<Json>("registry/stage_kinds/execution/fixer.json");
    kind.allowed_overrides = ["entrypoint_path"];
    writeWorkspaceAsset(root, "registry/stage_kinds/execution/fixer.json", kind);
    const graph = packagedJson<Json>("graphs/execution/standard.json");
    graph.nodes.find((n: Json) => n.node_id === "fixer").model_name = "x";
    writeWorkspaceAsset(root, "graphs/execution/standard.json", graph);
    const result = compile(root);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.errors.join("\n")).toContain(
      "node fixer: stage kind fixer does not allow overriding model_name",
    );
  });
});
