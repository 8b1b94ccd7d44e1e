import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { formatTimestamp, MillraceError } from "@millrace/contracts";
import { openQueueStore } from "@millrace/queue-store";
import { initWorkspace, workspacePaths } from "@millrace/workspace";

export const DEMO_SPEC_ID = "spec-welcome-page";
export const DEMO_TASK_ID = "task-readme-note";

/** `standard`: the `demo` mode (planner → manager); `blueprint`: the shipped `blueprint_codex` mode. */
export type DemoKind = "standard" | "blueprint";

export interface DemoWorkspace {
  root: string;
  specId: string;
  taskId: string;
  /** The mode the demo runs. */
  modeId: string;
}

export interface DemoOptions {
  kind?: DemoKind;
}

/** Every stage of the blueprint modes, put on the scripted runner for the blueprint demo. */
const BLUEPRINT_DEMO_STAGES = [
  "planner",
  "manager_blueprint",
  "contractor_blueprint",
  "evaluator_blueprint",
  "mechanic_blueprint",
  "recon",
  "auditor",
  "arbiter",
  "builder",
  "checker",
  "fixer",
  "doublechecker",
  "updater",
  "troubleshooter",
  "consultant",
  "merge",
];

function demoConfig(kind: DemoKind): string {
  const lines = ["# Demo configuration written by `millrace demo`.", "[runtime]"];
  if (kind === "standard") {
    lines.push('default_mode = "demo"', "idle_sleep_seconds = 0.2", "", "[runners.scripted]");
    lines.push('script = "scripted/demo-script.json"', "");
    return lines.join("\n");
  }
  // The shipped blueprint mode, unchanged, with every stage moved onto the scripted runner.
  lines.push('default_mode = "blueprint_codex"', "idle_sleep_seconds = 0.2", "", "[runners.scripted]");
  lines.push('script = "scripted/demo-blueprint-script.json"', "");
  for (const stage of BLUEPRINT_DEMO_STAGES) lines.push(`[stages.${stage}]`, 'runner = "scripted"', "");
  return lines.join("\n");
}

/**
 * Lays out a demo workspace: a fresh `millrace init`, one root spec and one standalone task, every
 * stage on the built-in scripted runner. The standard demo (`demo` mode, `scripted/demo-script.json`)
 * plans the spec into two tasks, builds and checks them (one fix cycle), lets the Arbiter close the
 * spec's lineage, then runs the standalone task. The blueprint demo (`blueprint_codex`,
 * `scripted/demo-blueprint-script.json`) cuts the spec into two drafts, designs and approves each
 * (one rejection), builds the approved tasks and closes the lineage the same way.
 */
export function prepareDemoWorkspace(
  target: string,
  now: Date = new Date(),
  options: DemoOptions = {},
): DemoWorkspace {
  const kind = options.kind ?? "standard";
  const root = path.resolve(target);
  if (existsSync(root) && readdirSync(root).length > 0) {
    throw new MillraceError(
      "init_target_not_empty",
      `the demo needs an empty folder, and ${root} is not empty`,
      {
        hint: "Run `millrace demo` without a path to use a fresh temporary folder, or pass an empty one.",
      },
    );
  }
  initWorkspace(root, { now });
  const paths = workspacePaths(root);
  writeFileSync(paths.configFile, demoConfig(kind));
  const store = openQueueStore(paths, { clock: () => now });
  const stamp = formatTimestamp(now);
  store.enqueue("spec", {
    kind: "spec",
    spec_id: DEMO_SPEC_ID,
    title: "A welcome page for the demo project",
    summary: "Give the project a welcome page with a footer",
    source_type: "manual",
    goals: ["a welcome page exists", "the page has a footer with a link"],
    constraints: ["plain markdown files under demo-output/"],
    acceptance: ["demo-output/ holds the welcome page and its footer"],
    references: ["millrace demo"],
    created_at: stamp,
    created_by: "millrace demo",
  });
  store.enqueue("task", {
    kind: "task",
    task_id: DEMO_TASK_ID,
    title: "Add a note to the README",
    summary: "A standalone task queued beside the spec",
    target_paths: ["demo-output/"],
    acceptance: ["demo-output/ has the note"],
    required_checks: ["test -d demo-output"],
    references: ["millrace demo"],
    risk: ["low"],
    created_at: stamp,
    created_by: "millrace demo",
  });
  store.close();
  return {
    root,
    specId: DEMO_SPEC_ID,
    taskId: DEMO_TASK_ID,
    modeId: kind === "standard" ? "demo" : "blueprint_codex",
  };
}
