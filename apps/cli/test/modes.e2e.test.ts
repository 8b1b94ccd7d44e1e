import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const SHIPPED = [
  "blueprint_codex",
  "blueprint_learning_codex",
  "default_claude",
  "default_codex",
  "default_codex_integrated",
  "default_pi",
  "demo",
  "goalspec_codex",
  "learning_claude",
  "learning_codex",
  "learning_codex_integrated",
  "learning_pi",
];

describe("millrace modes", () => {
  let ws: string;
  beforeAll(() => {
    ws = tempDir();
    expect(runCli(["init", ws]).status).toBe(0);
  });

  it("ls lists every shipped mode with its loops, runners and aliases", () => {
    const run = runCli(["modes", "ls", "-w", ws]);
    expect(run.status, run.stderr).toBe(0);
    for (const mode of SHIPPED) expect(run.stdout).toMatch(new RegExp(`^${mode}: execution=`, "m"));
    expect(run.stdout).toContain(
      "default_codex: execution=execution.standard planning=planning.standard runners=codex_cli aliases=standard_plain\n",
    );
    expect(run.stdout).toContain(
      "demo: execution=execution.standard planning=planning.standard runners=scripted\n",
    );
  });

  it("ls --json returns the summaries", () => {
    const json = runCli(["modes", "ls", "-w", ws, "--json"]).json<{
      modes: Array<{ mode_id: string }>;
      invalid: string[];
    }>();
    expect(json.modes.map((m) => m.mode_id)).toEqual(SHIPPED);
    expect(json.invalid).toEqual([]);
  });

  it("ls includes a workspace-defined mode", () => {
    const local = tempDir();
    runCli(["init", local]);
    const source = path.join(local, "millrace-agents", "modes", "default_codex.json");
    const mode = JSON.parse(readFileSync(source, "utf8"));
    mode.mode_id = "team_codex";
    writeFileSync(path.join(local, "millrace-agents", "modes", "team_codex.json"), JSON.stringify(mode));
    expect(runCli(["modes", "ls", "-w", local]).stdout).toContain("team_codex: execution=execution.standard");
  });

  it("show prints one mode, by id or alias", () => {
    const run = runCli(["modes", "show", "standard_plain", "-w", ws]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("mode_id: default_codex\naliases: standard_plain\n");
    const json = runCli(["modes", "show", "learning_codex", "-w", ws, "--json"]).json<{
      definition: { learning_trigger_rules: unknown[] };
      loop_ids_by_plane: Record<string, string>;
    }>();
    expect(json.loop_ids_by_plane.learning).toBe("learning.standard");
    expect(json.definition.learning_trigger_rules.length).toBeGreaterThan(0);
  });

  it("show of an unknown mode exits 1 with a hint", () => {
    const run = runCli(["modes", "show", "nope", "-w", ws]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      "error: no mode nope exists in the workspace or the packaged baseline\nhint: Run `millrace modes ls` to see the modes you can use.\n",
    );
  });

  it("show refuses an unsafe id (exit 2) and a missing id (exit 2)", () => {
    const unsafe = runCli(["modes", "show", "../etc", "-w", ws]);
    expect(unsafe.status).toBe(2);
    expect(unsafe.stderr).toContain("invalid mode id");
    const missing = runCli(["modes", "show", "-w", ws]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("modes show needs a mode id");
  });

  it("refuses an uninitialized workspace with exit 3", () => {
    expect(runCli(["modes", "ls", "-w", tempDir()]).status).toBe(3);
  });
});
