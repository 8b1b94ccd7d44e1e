import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { controlWorkspace } from "../../src/index.js";
import { scenarioWorkspace } from "./helpers.js";

describe("operator resume while a runner cannot run", () => {
  it("lifts the operator pause, refuses to resume, and says which runner holds it and why", () => {
    const ws = scenarioWorkspace({ rules: [] });
    expect(controlWorkspace(ws.root, "pause").applied).toBe(true);
    // The state a daemon leaves when codex disappears mid-run: both pause sources held.
    const snapshot = JSON.parse(readFileSync(ws.paths.snapshot, "utf8"));
    writeFileSync(
      ws.paths.snapshot,
      JSON.stringify({ ...snapshot, paused: true, pause_sources: ["operator", "runner_unavailable"] }),
    );
    writeFileSync(
      path.join(ws.paths.state, "runner_pause.json"),
      JSON.stringify({
        runner: "codex_cli",
        failure_class: "runner_unavailable",
        reason: "the Codex executable codex was not found on PATH",
        plane: "execution",
        run_id: "run-1",
        stage: "builder",
        since: "2026-12-06T10:00:00Z",
      }),
    );
    const result = controlWorkspace(ws.root, "resume", {}, { issuer: "ops-agent" });
    expect(result.applied).toBe(false);
    expect(result.detail).toBe(
      "operator pause lifted, but the runtime stays paused until the runner can run again: codex_cli (runner_unavailable): the Codex executable codex was not found on PATH; it resumes by itself once its preflight passes",
    );
    const after = JSON.parse(readFileSync(ws.paths.snapshot, "utf8"));
    expect(after.pause_sources).toEqual(["runner_unavailable"]);
    expect(after.paused).toBe(true);
  });
});
