import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const plan = (ws: string) => path.join(ws, "millrace-agents", "state", "compiled_plan.json");
const diagnostics = (ws: string) => path.join(ws, "millrace-agents", "state", "compile_diagnostics.json");
const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "<absent>");

function initialized(): string {
  const ws = tempDir();
  const init = runCli(["init", ws]);
  expect(init.status, init.stderr).toBe(0);
  return ws;
}

function breakExecutionGraph(ws: string): void {
  const file = path.join(ws, "millrace-agents", "graphs", "execution", "standard.json");
  const graph = JSON.parse(readFileSync(file, "utf8"));
  graph.edges = graph.edges.filter((edge: { edge_id: string }) => edge.edge_id !== "checker-fix-needed");
  writeFileSync(file, JSON.stringify(graph, null, 2));
}

describe("millrace compile", () => {
  let ws: string;
  beforeAll(() => {
    ws = initialized();
  });

  it("validate compiles and persists the default mode's plan", () => {
    const run = runCli(["compile", "validate", "-w", ws]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("ok: true\nmode_id: default_codex\n");
    expect(run.stdout).toMatch(/compiled_plan_id: plan-default_codex-[0-9a-f]{12}\n/);
    expect(run.stdout).toContain("persisted: true");
    expect(run.stdout).toMatch(/compile_input\.assets_fingerprint: assets-[0-9a-f]{12}/);
    expect(JSON.parse(read(plan(ws))).mode_id).toBe("default_codex");
    expect(JSON.parse(read(diagnostics(ws))).ok).toBe(true);
  });

  it("validate --json prints the compile summary", () => {
    const run = runCli(["compile", "validate", "-w", ws, "--json"]);
    expect(run.status).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, mode_id: "default_codex", preview: false, errors: [] });
  });

  it("validate --mode previews another mode without touching the canonical plan", () => {
    const before = read(plan(ws));
    const run = runCli(["compile", "validate", "-w", ws, "--mode", "learning_codex", "--json"]);
    expect(run.status, run.stdout).toBe(0);
    expect(run.json()).toMatchObject({
      ok: true,
      mode_id: "learning_codex",
      preview: true,
      persisted: false,
    });
    expect(read(plan(ws))).toBe(before);
  });

  it("the standard_plain alias compiles as default_codex", () => {
    const run = runCli(["compile", "validate", "-w", ws, "--mode", "standard_plain", "--json"]);
    expect(run.json()).toMatchObject({ ok: true, mode_id: "default_codex", preview: false });
  });

  it("show prints currentness, entries, completion behaviour and every node", () => {
    const run = runCli(["compile", "show", "-w", ws]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("currentness: current");
    expect(run.stdout).toContain("entry: execution.task -> builder");
    expect(run.stdout).toContain("entry: planning.probe -> recon");
    expect(run.stdout).toContain("completion: planning.closure_target -> arbiter");
    expect(run.stdout).toContain(
      "node: execution.builder stage=builder stage_kind_id=builder runner=codex_cli",
    );
    const json = runCli(["compile", "show", "-w", ws, "--json"]).json<{
      currentness: { state: string };
      plan: { kind: string };
    }>();
    expect(json.currentness.state).toBe("current");
    expect(json.plan.kind).toBe("compiled_run_plan");
  });

  it("a [stages] config edit is frozen into the recompiled plan", () => {
    const local = initialized();
    appendFileSync(
      path.join(local, "millrace-agents", "millrace.toml"),
      '\n[stages.builder]\nmodel = "gpt-local"\n',
    );
    const run = runCli(["compile", "show", "-w", local]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      "node: execution.builder stage=builder stage_kind_id=builder runner=codex_cli model=gpt-local",
    );
  });

  it("graph exports the topology as mermaid, dot or json, and to a file", () => {
    const mermaid = runCli(["compile", "graph", "-w", ws]);
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toContain("execution__checker -->|FIX_NEEDED| execution__fixer");
    const dot = runCli(["compile", "graph", "-w", ws, "--format", "dot", "--plane", "planning"]);
    expect(dot.stdout.startsWith("digraph millrace {")).toBe(true);
    expect(dot.stdout).not.toContain("execution:");
    const json = runCli(["compile", "graph", "-w", ws, "--format", "json"]).json<
      Array<{ kind: string; plane: string }>
    >();
    expect(json.map((g) => [g.kind, g.plane])).toEqual([
      ["compiled_stage_graph", "execution"],
      ["compiled_stage_graph", "planning"],
    ]);
    const out = path.join(tempDir(), "plan.dot");
    const toFile = runCli(["compile", "graph", "-w", ws, "--format", "dot", "--output", out]);
    expect(toFile.stdout).toBe("");
    expect(readFileSync(out, "utf8")).toContain("digraph millrace {");
  });

  it("graph refuses an unknown format with a usage error and writes nothing", () => {
    const fresh = initialized();
    const before = [read(plan(fresh)), read(diagnostics(fresh))];
    const run = runCli(["compile", "graph", "-w", fresh, "--format", "svg"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: .*svg/m);
    expect(run.stderr).toContain("hint:");
    expect([read(plan(fresh)), read(diagnostics(fresh))]).toEqual(before);
  });

  it("a broken asset fails with every finding listed, keeps the last good plan and exits 1", () => {
    const local = initialized();
    expect(runCli(["compile", "validate", "-w", local]).status).toBe(0);
    const good = read(plan(local));
    breakExecutionGraph(local);
    const run = runCli(["compile", "validate", "-w", local]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("used_last_known_good: true");
    expect(run.stdout).toContain(
      "error: millrace-agents/graphs/execution/standard.json: node checker: outcome FIX_NEEDED has no edge",
    );
    expect(run.stderr.split("\n")[0]).toMatch(/^error: mode default_codex does not compile: .*FIX_NEEDED/);
    expect(run.stderr).toContain("hint: Fix each reported file");
    expect(read(plan(local))).toBe(good);
    expect(JSON.parse(read(diagnostics(local)))).toMatchObject({ ok: false, used_last_known_good: true });

    const json = runCli(["compile", "validate", "-w", local, "--json"]);
    expect(json.status).toBe(1);
    const error = json.json<{ error: { code: string; details: { errors: string[] } } }>().error;
    expect(error.code).toBe("compile_failed");
    expect(error.details.errors[0]).toContain("node checker: outcome FIX_NEEDED has no edge");
  });

  it("an unknown --mode exits 1 with mode_not_found and changes nothing", () => {
    const before = [read(plan(ws)), read(diagnostics(ws))];
    const run = runCli(["compile", "validate", "-w", ws, "--mode", "nope"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("error: mode nope does not compile: mode nope: no mode nope exists");
    expect(run.stderr).toContain("hint: Run `millrace modes ls`");
    expect(runCli(["compile", "validate", "-w", ws, "--mode", "nope", "--json"]).json()).toMatchObject({
      error: { code: "mode_not_found" },
    });
    expect([read(plan(ws)), read(diagnostics(ws))]).toEqual(before);
  });

  it("--config FILE compiles with that file's structural keys", () => {
    const file = path.join(tempDir(), "alt.toml");
    writeFileSync(file, '[runtime]\ndefault_mode = "demo"\n');
    const run = runCli(["compile", "validate", "-w", ws, "--config", file, "--json"]);
    expect(run.status, run.stdout).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, mode_id: "demo", preview: false });
    const missing = runCli(["compile", "validate", "-w", ws, "--config", path.join(tempDir(), "none.toml")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("cannot read config file");
  });

  it("an invalid millrace.toml exits 1 naming the key", () => {
    const local = initialized();
    appendFileSync(
      path.join(local, "millrace-agents", "millrace.toml"),
      "\n[stages.builder]\ntimeout_seconds = -1\n",
    );
    const run = runCli(["compile", "validate", "-w", local]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("timeout_seconds");
  });

  it("refuses an uninitialized workspace with exit 3", () => {
    const empty = tempDir();
    mkdirSync(path.join(empty, "src"));
    const run = runCli(["compile", "validate", "-w", empty]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("millrace init");
    expect(existsSync(path.join(empty, "millrace-agents"))).toBe(false);
  });
});
