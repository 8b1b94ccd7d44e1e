import { CompiledStageGraphExportSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { renderDot, renderMermaid } from "../src/graph-export.js";
import { exportCompiledGraphs, renderGraph } from "../src/index.js";
import { compile, tempWorkspace } from "./helpers.js";

describe("compiled graph export", () => {
  const plan = compile(tempWorkspace(), undefined, { mode: "default_codex", preview: true }).plan!;

  it("exports one schema-valid graph per plane, with one edge per (edge, outcome)", () => {
    const exports = exportCompiledGraphs(plan);
    expect(exports.map((e) => e.plane)).toEqual(["execution", "planning"]);
    for (const graph of exports) CompiledStageGraphExportSchema.parse(graph);
    const exec = exports[0]!;
    expect(
      exec.edges.find((e) => e.source_node_id === "checker" && e.outcome === "FIX_NEEDED")?.target_node_id,
    ).toBe("fixer");
    expect(exec.entries).toEqual([
      { entry_key: "task", node_id: "builder", stage_kind_id: "builder", plane: "execution" },
    ]);
  });

  it("is stable: the same plan exports byte-identical JSON", () => {
    expect(renderGraph(exportCompiledGraphs(plan), "json")).toBe(
      renderGraph(exportCompiledGraphs(plan), "json"),
    );
  });

  it("filters by plane", () => {
    expect(exportCompiledGraphs(plan, "planning").map((e) => e.loop_id)).toEqual(["planning.standard"]);
  });

  it("renders mermaid and dot with every edge labelled by its outcome", () => {
    const exports = exportCompiledGraphs(plan, "execution");
    const mermaid = renderMermaid(exports);
    expect(mermaid.startsWith("flowchart TD\n")).toBe(true);
    expect(mermaid).toContain("execution__checker -->|FIX_NEEDED| execution__fixer");
    expect(mermaid).toContain("execution__updater -->|UPDATE_COMPLETE| execution__end_update_complete");
    const dot = renderDot(exports);
    expect(dot).toContain('"execution:checker" -> "execution:fixer" [label="FIX_NEEDED"];');
    expect(dot.trimEnd().endsWith("}")).toBe(true);
  });
});
