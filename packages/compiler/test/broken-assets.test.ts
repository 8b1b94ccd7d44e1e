import { describe, expect, it } from "vitest";
import { compile, config, packagedJson, tempWorkspace, writeWorkspaceAsset } from "./helpers.js";

// biome-ignore lint/suspicious/noExplicitAny: the cases edit arbitrary JSON.
type Json = any;

function mutate(root: string, rel: string, edit: (value: Json) => void): void {
  const value = packagedJson<Json>(rel);
  edit(value);
  writeWorkspaceAsset(root, rel, value);
}

const EXEC = "graphs/execution/standard.json";
const PLAN = "graphs/planning/standard.json";
const MODE = "modes/default_codex.json";
const WS_EXEC = `millrace-agents/${EXEC}`;
const WS_MODE = `millrace-agents/${MODE}`;

interface BrokenCase {
  name: string;
  setup?: (root: string) => void;
  mode?: string;
  config?: Parameters<typeof config>[0];
  /** Every fragment must appear in one and the same error line. */
  expect: string[];
}

const edge = (graph: Json, id: string) => graph.edges.find((e: Json) => e.edge_id === id);

const CASES: BrokenCase[] = [
  {
    name: "unknown stage kind",
    setup: (root) => mutate(root, EXEC, (g) => (g.nodes[0].stage_kind_id = "bulider")),
    expect: [WS_EXEC, "node builder:", "stage kind bulider does not exist"],
  },
  {
    name: "edge on an illegal outcome",
    setup: (root) => mutate(root, EXEC, (g) => (edge(g, "checker-pass").on_outcomes = ["CHECKER_OK"])),
    expect: [WS_EXEC, "edge checker-pass:", "CHECKER_OK is not a legal outcome of checker"],
  },
  {
    name: "unreachable node",
    setup: (root) =>
      mutate(root, EXEC, (g) => {
        g.nodes.push({ node_id: "spare_fixer", stage_kind_id: "fixer" });
        g.edges.push({
          edge_id: "spare-done",
          from_node_id: "spare_fixer",
          on_outcomes: ["FIXER_COMPLETE", "BLOCKED"],
          terminal_state_id: "blocked",
          kind: "terminal",
        });
      }),
    expect: [WS_EXEC, "node spare_fixer:", "no entry, edge or policy leads to this node"],
  },
  {
    name: "unrouted outcome",
    setup: (root) =>
      mutate(root, EXEC, (g) => (g.edges = g.edges.filter((e: Json) => e.edge_id !== "checker-fix-needed"))),
    expect: [
      WS_EXEC,
      "node checker:",
      "outcome FIX_NEEDED has no edge",
      "add an edge from checker on FIX_NEEDED",
    ],
  },
  {
    name: "cycle with no exit",
    setup: (root) =>
      mutate(root, EXEC, (g) => {
        // The updater loops back to the builder instead of finishing, and nothing else ends the run.
        edge(g, "updater-complete").terminal_state_id = undefined;
        edge(g, "updater-complete").to_node_id = "builder";
        edge(g, "updater-complete").kind = "normal";
        edge(g, "consultant-needs-planning").terminal_state_id = undefined;
        edge(g, "consultant-needs-planning").to_node_id = "builder";
        edge(g, "consultant-needs-planning").kind = "normal";
        edge(g, "consultant-blocked").terminal_state_id = undefined;
        edge(g, "consultant-blocked").to_node_id = "builder";
        edge(g, "consultant-blocked").kind = "normal";
        g.dynamic_policies.threshold_policies = g.dynamic_policies.threshold_policies.filter(
          (p: Json) => p.exhausted_terminal_state_id === undefined,
        );
        g.runtime_failure_recovery = null;
      }),
    expect: [WS_EXEC, "node builder:", "no path from this node reaches a terminal state"],
  },
  {
    name: "dangling threshold policy",
    setup: (root) =>
      mutate(
        root,
        EXEC,
        (g) => (g.dynamic_policies.threshold_policies[1].exhausted_target_node_id = "consultent"),
      ),
    expect: [WS_EXEC, "threshold policy execution.blocked.recovery:", "node consultent does not exist"],
  },
  {
    name: "dangling resume policy",
    setup: (root) =>
      mutate(root, EXEC, (g) => (g.dynamic_policies.resume_policies[0].default_target_node_id = "bilder")),
    expect: [WS_EXEC, "resume policy execution.troubleshoot.resume:", "node bilder does not exist"],
  },
  {
    name: "bad id syntax",
    setup: (root) => mutate(root, EXEC, (g) => (g.nodes[0].node_id = "Builder Node!")),
    expect: [WS_EXEC, "nodes.0.node_id:", "must be lower-case words"],
  },
  {
    name: "duplicate node",
    setup: (root) =>
      mutate(root, EXEC, (g) => g.nodes.push({ node_id: "checker", stage_kind_id: "checker" })),
    expect: [WS_EXEC, "node checker:", "declared more than once"],
  },
  {
    name: "dangling edge target",
    setup: (root) => mutate(root, EXEC, (g) => (edge(g, "checker-pass").to_node_id = "updator")),
    expect: [WS_EXEC, "edge checker-pass:", "target node updator does not exist"],
  },
  {
    name: "retry edge without max_attempts",
    setup: (root) => mutate(root, EXEC, (g) => (edge(g, "troubleshooter-blocked").kind = "retry")),
    expect: [WS_EXEC, "edge troubleshooter-blocked:", "a retry edge needs max_attempts"],
  },
  {
    name: "entry key of another plane",
    setup: (root) => mutate(root, EXEC, (g) => (g.entry_nodes[0].entry_key = "spec")),
    expect: [WS_EXEC, "entry spec:", "belong to the planning plane"],
  },
  {
    name: "unknown key in a graph",
    setup: (root) => mutate(root, EXEC, (g) => (g.nodes[0].retries = 3)),
    expect: [WS_EXEC, "nodes.0:", "retries", "remove the unknown key"],
  },
  {
    name: "completion target without closure role",
    setup: (root) => mutate(root, PLAN, (g) => (g.completion_behavior.target_node_id = "planner")),
    expect: [`millrace-agents/${PLAN}`, "completion_behavior:", "has no closure_role"],
  },
  {
    name: "unknown mode",
    mode: "defualt_codex",
    expect: ["mode defualt_codex:", "no mode defualt_codex exists", "millrace modes ls"],
  },
  {
    name: "graph not found",
    setup: (root) => mutate(root, MODE, (m) => (m.loop_ids_by_plane.execution = "execution.fast")),
    expect: [WS_MODE, "loop execution.fast:", "no graph loop execution.fast exists"],
  },
  {
    name: "loop of the wrong plane",
    setup: (root) => mutate(root, MODE, (m) => (m.loop_ids_by_plane.execution = "planning.standard")),
    expect: [WS_MODE, "loop_ids_by_plane.execution:", 'does not start with "execution."'],
  },
  {
    name: "mode map names a stage outside its loops",
    setup: (root) => mutate(root, MODE, (m) => (m.stage_model_bindings = { integrator: "gpt-5" })),
    expect: [WS_MODE, "stage_model_bindings.integrator:", "not in any loop this mode selects"],
  },
  {
    name: "trigger rules without a learning loop",
    setup: (root) =>
      mutate(root, MODE, (m) =>
        m.learning_trigger_rules.push({
          rule_id: "x",
          source_plane: "execution",
          source_stage: "builder",
          on_terminal_results: ["BUILDER_COMPLETE"],
          target_stage: "analyst",
        }),
      ),
    expect: [WS_MODE, "learning_trigger_rules:", "need a learning loop"],
  },
  {
    name: "mode file that is not JSON",
    setup: (root) => writeWorkspaceAsset(root, MODE, "{ not json"),
    expect: [WS_MODE, "not valid JSON"],
  },
  {
    name: "entrypoint override to a missing file",
    setup: (root) =>
      mutate(
        root,
        MODE,
        (m) => (m.stage_entrypoint_overrides = { builder: "entrypoints/execution/nope.md" }),
      ),
    expect: ["millrace-agents/entrypoints/execution/nope.md", "node builder:", "does not exist"],
  },
  {
    name: "built-in stage kind that disagrees with the legality table",
    setup: (root) =>
      mutate(root, "registry/stage_kinds/execution/builder.json", (k) => {
        k.legal_outcomes.push("BUILDER_DONE");
        k.allowed_result_classes_by_outcome.BUILDER_DONE = ["success"];
      }),
    expect: [
      "millrace-agents/registry/stage_kinds/execution/builder.json",
      "stage kind builder:",
      "differ from the legality table",
    ],
  },
  {
    name: "custom stage kind whose BLOCKED reports success",
    setup: (root) =>
      mutate(root, "registry/stage_kinds/execution/builder.json", (k) => {
        k.stage_kind_id = "linter";
        k.runtime_stage = "linter";
        k.running_status_marker = "### LINTER_RUNNING";
        k.allowed_result_classes_by_outcome.BLOCKED = ["success"];
        writeWorkspaceAsset(root, "registry/stage_kinds/execution/linter.json", k);
      }),
    expect: [
      "millrace-agents/registry/stage_kinds/execution/linter.json",
      "stage kind linter outcome BLOCKED:",
      "BLOCKED may only report blocked or recoverable_failure",
    ],
  },
  {
    name: "stage kind file in the wrong place",
    setup: (root) =>
      mutate(root, "registry/stage_kinds/execution/fixer.json", (k) =>
        writeWorkspaceAsset(root, "registry/stage_kinds/planning/fixer.json", k),
      ),
    expect: [
      "millrace-agents/registry/stage_kinds/planning/fixer.json",
      "stage kind fixer:",
      "belongs at registry/stage_kinds/execution/fixer.json",
    ],
  },
  {
    name: "config section for an unknown stage",
    config: { stages: { bilder: { model: "x" } } },
    expect: ["millrace.toml", "stages.bilder:", "bilder is not a stage kind"],
  },
  {
    name: "config with conflicting thinking fields",
    config: { stages: { builder: { thinking_level: "high", model_reasoning_effort: "low" } } },
    expect: [
      "millrace.toml",
      "stages.builder:",
      "thinking_level high disagrees with model_reasoning_effort low",
    ],
  },
];

describe("broken assets and configs", () => {
  it("has a catalogue of at least 15 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)("$name fails with a line naming the file, the subject and the fix", (testCase) => {
    const root = tempWorkspace();
    testCase.setup?.(root);
    const result = compile(root, config(testCase.config), {
      mode: testCase.mode ?? "default_codex",
      preview: true,
    });
    expect(result.ok).toBe(false);
    expect(result.plan).toBeUndefined();
    const line = result.diagnostics.errors.find((error) =>
      testCase.expect.every((part) => error.includes(part)),
    );
    expect(
      line,
      `no error contains ${JSON.stringify(testCase.expect)} in:\n${result.diagnostics.errors.join("\n")}`,
    ).toBeDefined();
    expect(line).toMatch(/\(fix: .+\)$/);
    expect(line!.split("\n")).toHaveLength(1);
  });
});
