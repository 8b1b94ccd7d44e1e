import { describe, expect, it } from "vitest";
import { compile, config, packagedJson, tempWorkspace, writeWorkspaceAsset } from "./helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary JSON.
type Json = any;

function nodes(result: ReturnType<typeof compile>) {
  return Object.fromEntries(
    Object.values(result.plan!.graphs_by_plane)
      .flatMap((g) => g!.nodes)
      .map((n) => [n.node_id, { model: n.model_name, thinking: n.thinking_level }]),
  );
}

const ALIASES = {
  fast: { model: "fast-model", thinking_level: "low" as const },
  deep: { model: "deep-model", thinking_level: "xhigh" as const },
  plain: { model: "plain-model" },
};

describe("model aliases resolve into compiled nodes", () => {
  it("by stage beats by loop beats the global default; [stages] config still wins", () => {
    const result = compile(
      tempWorkspace(),
      config({
        model_aliases: ALIASES,
        model_assignment: {
          enabled: true,
          default_alias: "plain",
          by_loop: { "execution.standard": "deep" },
          by_stage: { checker: "fast" },
        },
        stages: { fixer: { model: "operator-model" } },
      }),
    );
    expect(result.diagnostics.errors).toEqual([]);
    const byNode = nodes(result);
    expect(byNode.checker).toEqual({ model: "fast-model", thinking: "low" });
    expect(byNode.builder).toEqual({ model: "deep-model", thinking: "xhigh" });
    expect(byNode.fixer).toEqual({ model: "operator-model", thinking: "xhigh" });
    expect(byNode.planner).toEqual({ model: "plain-model", thinking: null });
  });

  it("has no effect while assignment is disabled, and keeps the plan id of a config without aliases", () => {
    const root = tempWorkspace();
    const disabled = compile(
      root,
      config({ model_aliases: ALIASES, model_assignment: { by_stage: { checker: "fast" } } }),
    );
    expect(nodes(disabled).checker).toEqual({ model: null, thinking: null });
    const none = compile(root, config({}));
    expect(none.plan!.compile_input_fingerprint.config_fingerprint).not.toBe(
      disabled.plan!.compile_input_fingerprint.config_fingerprint,
    );
    expect(compile(root, config({})).plan!.compiled_plan_id).toBe(none.plan!.compiled_plan_id);
  });

  it("a mode binding loses to an assigned alias", () => {
    const root = tempWorkspace();
    const mode = packagedJson<Json>("modes/default_codex.json");
    mode.stage_model_bindings = { checker: "mode-model" };
    writeWorkspaceAsset(root, "modes/default_codex.json", mode);
    const result = compile(
      root,
      config({ model_aliases: ALIASES, model_assignment: { enabled: true, by_stage: { checker: "fast" } } }),
    );
    expect(nodes(result).checker).toEqual({ model: "fast-model", thinking: "low" });
  });

  it("an undefined alias warns and falls back (warn_fallback) or fails the compile (error)", () => {
    const root = tempWorkspace();
    const warn = compile(
      root,
      config({ model_assignment: { enabled: true, by_stage: { checker: "ghost" } } }),
    );
    expect(warn.diagnostics.warnings.join("\n")).toContain("model alias ghost is not defined");
    expect(warn.diagnostics.warnings.join("\n")).toContain("model alias standard is not defined");
    expect(nodes(warn).checker).toEqual({ model: null, thinking: null });
    const strict = compile(
      tempWorkspace(),
      config({
        model_aliases: ALIASES,
        model_assignment: {
          enabled: true,
          default_alias: "plain",
          invalid_assignment_policy: "error",
          by_loop: { "execution.standard": "ghost" },
        },
      }),
    );
    expect(strict.plan).toBeUndefined();
    expect(strict.diagnostics.errors.join("\n")).toContain("model alias ghost is not defined");
  });
});
