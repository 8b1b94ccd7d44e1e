import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CompiledRunPlanSchema,
  GraphLoopSchema,
  LegacyLoopSchema,
  STAGE_LEGALITY,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { assetSourceFor } from "../src/asset-source.js";
import { lintEntrypoints } from "../src/entrypoint-lint.js";
import { compile, config, packagedJson, REPO_ASSETS, SHIPPED_MODES, tempWorkspace } from "./helpers.js";

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), "golden");

/** The plan minus what legitimately varies: content hashes of authored prose and the timestamp. */
function goldenView(plan: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(plan)) as Record<string, unknown> & {
    compile_input_fingerprint: Record<string, string>;
    resolved_assets: Array<Record<string, string>>;
  };
  copy.compiled_at = "<compiled_at>";
  copy.compile_input_fingerprint.assets_fingerprint = "<assets_fingerprint>";
  for (const asset of copy.resolved_assets) asset.content_sha256 = "<sha256>";
  return copy;
}

describe("shipped baseline", () => {
  it("has a registry entry for every stage of the legality table, where the entrypoint and skill point", () => {
    for (const entry of STAGE_LEGALITY) {
      const kind = packagedJson<Record<string, unknown>>(
        `registry/stage_kinds/${entry.plane}/${entry.stageKindId}.json`,
      );
      expect(kind.stage_kind_id).toBe(entry.stageKindId);
      expect(kind.default_entrypoint_path).toBe(`entrypoints/${entry.plane}/${entry.stageKindId}.md`);
      expect(kind.required_skill_paths).toEqual([
        `skills/stage/${entry.plane}/${entry.stageKindId}-core/SKILL.md`,
      ]);
    }
  });

  it.each(SHIPPED_MODES)("mode %s compiles and matches its golden plan", (mode) => {
    const root = tempWorkspace();
    const result = compile(root, config(), { mode, preview: true });
    expect(result.diagnostics.errors).toEqual([]);
    expect(result.ok).toBe(true);
    const plan = CompiledRunPlanSchema.parse(result.plan);
    expect(plan.compiled_plan_id).toMatch(new RegExp(`^plan-${mode}-[0-9a-f]{12}$`));
    const golden = path.join(GOLDEN, `${mode}.json`);
    const view = goldenView(plan as unknown as Record<string, unknown>);
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, `${JSON.stringify(view, null, 2)}\n`);
    expect(existsSync(golden), `missing ${golden}: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(view).toEqual(JSON.parse(readFileSync(golden, "utf8")));
  });

  it("resolves the standard_plain alias to default_codex with the identical plan id", () => {
    const root = tempWorkspace();
    const viaAlias = compile(root, config(), { mode: "standard_plain", preview: true });
    const direct = compile(root, config(), { mode: "default_codex", preview: true });
    expect(viaAlias.modeId).toBe("default_codex");
    expect(viaAlias.plan?.compiled_plan_id).toBe(direct.plan?.compiled_plan_id);
  });

  it("gives the same plan id on every recompile of unchanged inputs", () => {
    const root = tempWorkspace();
    const first = compile(root, config(), { now: () => new Date("2026-01-01T00:00:00Z") });
    const second = compile(root, config(), { now: () => new Date("2026-02-01T00:00:00Z") });
    expect(second.plan?.compiled_plan_id).toBe(first.plan?.compiled_plan_id);
    expect(second.plan?.compile_input_fingerprint).toEqual(first.plan?.compile_input_fingerprint);
  });

  it("ships entrypoints that pass the lint (exact legal markers, required sections)", () => {
    const findings = lintEntrypoints(assetSourceFor(tempWorkspace(), REPO_ASSETS));
    expect(findings).toEqual([]);
  });

  it("binds every stage of the demo mode to the scripted runner, serially", () => {
    const result = compile(tempWorkspace(), config(), { mode: "demo", preview: true });
    const nodes = Object.values(result.plan!.graphs_by_plane).flatMap((g) => g!.nodes);
    expect(new Set(nodes.map((n) => n.runner_name))).toEqual(new Set(["scripted"]));
    expect(result.plan!.concurrency_policy).toBeNull();
  });

  it("freezes recovery thresholds from the config", () => {
    const result = compile(
      tempWorkspace(),
      config({ recovery: { max_fix_cycles: 5, max_mechanic_attempts: 4 } }),
    );
    const exec = result.plan!.execution_graph!;
    const fix = exec.compiled_threshold_policies.find((p) => p.counter_name === "fix_cycle_count");
    expect(fix?.threshold).toBe(5);
    const mech = result.plan!.planning_graph!.compiled_threshold_policies[0];
    expect(mech?.threshold).toBe(4);
  });
});

describe("legacy loops (inspection only)", () => {
  it.each(["execution", "planning", "learning"] as const)(
    "loops/%s/default.json parses and agrees with the standard graph",
    (plane) => {
      const loop = LegacyLoopSchema.parse(packagedJson(`loops/${plane}/default.json`));
      const graph = GraphLoopSchema.parse(packagedJson(`graphs/${plane}/standard.json`));
      expect(loop.stages).toEqual(graph.nodes.map((n) => n.node_id));
      const fromGraph = graph.edges.flatMap((e) =>
        e.on_outcomes.map((o) => `${e.from_node_id}:${o}:${e.to_node_id ?? "end"}`),
      );
      const fromLoop = loop.edges.map(
        (e) => `${e.source_stage}:${e.on_terminal_result}:${e.target_stage ?? "end"}`,
      );
      expect(fromLoop).toEqual(fromGraph);
    },
  );
});
