import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fakeAgentBin, fakeAgentEnv } from "./fake-agents.js";
import { runCli, tempDir } from "./helpers.js";

const CONFIG = `[runtime]
idle_sleep_seconds = 0.05

[runners.claude]
permission_default = "basic"

[stages.builder]
runner = "codex_cli"
thinking_level = "high"

[stages.checker]
runner = "claude_code"
thinking_level = "medium"

[stages.updater]
runner = "pi_rpc"
thinking_level = "low"
`;

interface StageView {
  stage: string;
  runner_name: string | null;
  thinking_level: string | null;
}

describe("thinking_level end to end (codex, claude and pi fakes)", () => {
  it("keeps each stage's thinking level in stage results, runs show, runs trace, run_trace.json and the monitor", () => {
    const root = path.join(tempDir("millrace-thinking-"), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    writeFileSync(path.join(root, "millrace-agents", "millrace.toml"), CONFIG);
    const env = fakeAgentEnv(fakeAgentBin());
    expect(runCli(["add-task", "Think hard", "-w", root], { env }).status).toBe(0);
    const daemon = runCli(["run", "daemon", "--until-idle", "--monitor", "basic", "-w", root], { env });
    expect(daemon.status, daemon.stderr).toBe(0);
    expect(daemon.stdout).toMatch(/stage start execution\/builder run=\S+ work=task:\S+ thinking=high /);
    expect(daemon.stdout).toMatch(
      /stage done execution\/checker run=\S+ work=task:\S+ thinking=medium result=/,
    );
    expect(daemon.stdout).toMatch(/stage done execution\/updater run=\S+ work=task:\S+ thinking=low result=/);

    const runs = path.join(root, "millrace-agents", "runs");
    const [runId] = readdirSync(runs);
    expect(runId).toBeDefined();
    const expected = [
      { stage: "builder", runner_name: "codex_cli", thinking_level: "high" },
      { stage: "checker", runner_name: "claude_code", thinking_level: "medium" },
      { stage: "updater", runner_name: "pi_rpc", thinking_level: "low" },
    ];
    const pick = (stages: StageView[]) =>
      stages.map(({ stage, runner_name, thinking_level }) => ({ stage, runner_name, thinking_level }));

    const show = runCli(["runs", "show", String(runId), "-w", root, "--json"]);
    expect(show.status, show.stderr).toBe(0);
    expect(pick(show.json<{ stages: StageView[] }>().stages)).toEqual(expected);
    const showText = runCli(["runs", "show", String(runId), "-w", root]);
    expect(showText.stdout).toContain("thinking_level: high\n");
    expect(showText.stdout).not.toContain("thinking_level: none");

    const trace = runCli(["runs", "trace", String(runId), "-w", root, "--json"]);
    expect(trace.status, trace.stderr).toBe(0);
    expect(pick(trace.json<{ nodes: StageView[] }>().nodes)).toEqual(expected);
    const traceText = runCli(["runs", "trace", String(runId), "-w", root]);
    expect(traceText.stdout).toMatch(/node: 2 checker .* runner=claude_code model=none thinking=medium /);

    const onDisk = JSON.parse(readFileSync(path.join(runs, String(runId), "run_trace.json"), "utf8")) as {
      nodes: StageView[];
    };
    expect(pick(onDisk.nodes)).toEqual(expected);
    const results = path.join(runs, String(runId), "stage_results");
    const levels = readdirSync(results).map(
      (file) => (JSON.parse(readFileSync(path.join(results, file), "utf8")) as StageView).thinking_level,
    );
    expect(levels.sort()).toEqual(["high", "low", "medium"]);
  });
});
