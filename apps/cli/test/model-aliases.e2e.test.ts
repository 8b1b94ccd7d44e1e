import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  ModelAliasesListingSchema,
  ModelAliasesUpdateOutputSchema,
  ModelAliasViewSchema,
} from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { fakeAgentBin, fakeAgentEnv } from "./fake-agents.js";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";

const CONFIG = `# Operator notes: keep this comment.
[runtime]
idle_sleep_seconds = 0.05 # quick ticks

[runners.claude]
permission_default = "basic"

[stages.checker]
runner = "claude_code"
`;

function workspace(): string {
  const root = path.join(tempDir("millrace-aliases-"), "ws");
  expect(runCli(["init", root]).status).toBe(0);
  writeFileSync(path.join(root, "millrace-agents", "millrace.toml"), CONFIG);
  return root;
}

function configText(root: string): string {
  return readFileSync(path.join(root, "millrace-agents", "millrace.toml"), "utf8");
}

interface StageView {
  stage: string;
  model_name: string | null;
  thinking_level: string | null;
}

function lastRunStages(root: string, env: NodeJS.ProcessEnv): StageView[] {
  const show = runCli(["runs", "show", "latest", "-w", root, "--json"], { env });
  expect(show.status, show.stderr).toBe(0);
  return show.json<{ stages: StageView[] }>().stages;
}

describe("millrace model-aliases", () => {
  it("edits millrace.toml in place, keeps comments, and lists and shows aliases as JSON", () => {
    const root = workspace();
    const set = runCli([
      "model-aliases",
      "set",
      "fast",
      "--model",
      "gpt-mini",
      "--thinking-level",
      "low",
      "-w",
      root,
      "--json",
      "--no-reload",
    ]);
    expect(set.status, set.stderr).toBe(0);
    expect(ModelAliasesUpdateOutputSchema.parse(set.json())).toMatchObject({
      action: "set",
      updated: true,
      reload: null,
    });
    const assign = runCli(["model-aliases", "assign-stage", "checker", "fast", "-w", root]);
    expect(assign.status, assign.stderr).toBe(0);
    expect(assign.stdout).toContain("updated: true\n");
    expect(assign.stdout).toContain("reload.action: reload_config\n");
    expect(
      runCli(["model-aliases", "assign-loop", "execution.standard", "fast", "-w", root, "--no-reload"])
        .status,
    ).toBe(0);

    const text = configText(root);
    expect(text.startsWith(CONFIG)).toBe(true);
    expect(text).toContain('[model_aliases.fast]\nmodel = "gpt-mini"\nthinking_level = "low"\n');
    expect(text).toContain('[model_assignment.by_loop]\n"execution.standard" = "fast"\n');

    const listing = ModelAliasesListingSchema.parse(
      runCli(["model-aliases", "list", "-w", root, "--json"]).json(),
    );
    expect(listing.assignment).toMatchObject({ enabled: true, by_stage: { checker: "fast" } });
    const view = ModelAliasViewSchema.parse(
      runCli(["model-aliases", "show", "fast", "-w", root, "--json"]).json(),
    );
    expect(view).toMatchObject({ assigned_stages: ["checker"], assigned_loops: ["execution.standard"] });
    expect(runCli(["model-aliases", "list", "-w", root]).stdout).toContain(
      "alias: fast: model=gpt-mini thinking=low assigned=loop:execution.standard,stage:checker\n",
    );
    // The compiled plan carries the alias's model.
    const graph = runCli(["compile", "graph", "-w", root, "--json"]);
    const nodes = graph
      .json<Array<{ nodes: Array<{ node_id: string; model_name: string | null }> }>>()
      .flatMap((g) => g.nodes);
    expect(nodes.find((n) => n.node_id === "checker")?.model_name).toBe("gpt-mini");

    for (const args of [
      ["clear-stage", "checker"],
      ["clear-loop", "execution.standard"],
      ["remove", "fast"],
    ]) {
      const run = runCli(["model-aliases", ...args, "-w", root, "--no-reload"]);
      expect(run.status, run.stderr).toBe(0);
    }
    expect(configText(root)).toContain("# Operator notes: keep this comment.\n");
    expect(configText(root)).not.toContain("model_aliases.fast");
  });

  it("refuses bad input with one line and a hint, leaving millrace.toml untouched", () => {
    const root = workspace();
    const before = configText(root);
    const unknown = runCli(["model-aliases", "assign-global", "ghost", "-w", root]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^error: model alias not found: ghost\nhint: /);
    const unsafe = runCli(["model-aliases", "set", "../evil", "--model", "m", "-w", root, "--json"]);
    expect(unsafe.status).toBe(2);
    expect(unsafe.json<{ error: { code: string } }>().error.code).toBe("usage_invalid_argument");
    const badModel = runCli(["model-aliases", "set", "ok", "--model", 'm"\n[x]', "-w", root]);
    expect(badModel.status).toBe(2);
    expect(runCli(["model-aliases", "set", "ok", "-w", root]).status).toBe(2);
    expect(runCli(["model-aliases", "assign-loop", "only-one", "-w", root]).status).toBe(2);
    expect(runCli(["model-aliases", "show", "ghost", "-w", root]).status).toBe(1);
    expect(configText(root)).toBe(before);
    const missing = runCli(["model-aliases", "list", "-w", tempDir("millrace-aliases-none-")]);
    expect(missing.status).toBe(3);
  });

  it("a running daemon picks up an alias change and dispatches the alias's model and thinking level", async () => {
    const root = workspace();
    const env = fakeAgentEnv(fakeAgentBin());
    const daemon = spawn(process.execPath, [CLI_BIN, "run", "daemon", "-w", root, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env, NO_COLOR: "1" },
    });
    let out = "";
    daemon.stdout.on("data", (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number>((resolve) => daemon.on("exit", (code) => resolve(code ?? -1)));
    const rt = path.join(root, "millrace-agents");
    const lockFile = path.join(rt, "state", "runtime_daemon.lock.json");
    await waitFor(() => readdirSync(path.join(rt, "state")).includes(path.basename(lockFile)), 30_000);

    for (const args of [
      ["set", "deep", "--model", "fake-deep-model", "--thinking-level", "high"],
      ["assign-stage", "checker", "deep"],
    ]) {
      const run = runCli(["model-aliases", ...args, "-w", root, "--json"], { env });
      expect(run.status, run.stderr).toBe(0);
      expect(ModelAliasesUpdateOutputSchema.parse(run.json()).reload?.mode).toBe("mailbox");
    }
    expect(runCli(["add-task", "Use the alias", "-w", root], { env }).status).toBe(0);
    const done = path.join(rt, "tasks", "done");
    await waitFor(() => readdirSync(done).length === 1, 90_000);
    expect(runCli(["stop", "-w", root]).status).toBe(0);
    expect(await exited, out).toBe(0);

    const checker = lastRunStages(root, env).find((stage) => stage.stage === "checker");
    expect(checker).toMatchObject({ model_name: "fake-deep-model", thinking_level: "high" });
    // The claude fake was started with the alias's model.
    const runs = path.join(rt, "runs");
    const [runId] = readdirSync(runs);
    const invocations = readdirSync(path.join(runs, String(runId))).filter((f) =>
      f.startsWith("runner_invocation"),
    );
    const commands = invocations.map((f) =>
      JSON.stringify(JSON.parse(readFileSync(path.join(runs, String(runId), f), "utf8")).command),
    );
    expect(commands.some((c) => c.includes('"--model","fake-deep-model"'))).toBe(true);
  }, 180_000);
});
