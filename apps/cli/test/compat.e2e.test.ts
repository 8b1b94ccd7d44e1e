import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

describe("the original's command spellings are accepted as aliases", () => {
  it("health, run-provenance, config reload and queue inspect run our commands", () => {
    const root = path.join(tempDir("millrace-compat-"), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    writeFileSync(
      path.join(root, "millrace-agents", "millrace.toml"),
      '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n',
    );
    expect(runCli(["add-task", "Compat", "-w", root]).status).toBe(0);

    const health = runCli(["health", "-w", root, "--json"]);
    const doctor = runCli(["doctor", "-w", root, "--json"]);
    expect(health.status).toBe(doctor.status);
    expect(Object.keys(health.json<object>()).sort()).toEqual(Object.keys(doctor.json<object>()).sort());

    expect(runCli(["queue", "inspect", "-w", root, "--json"]).stdout).toBe(
      runCli(["queue", "ls", "-w", root, "--json"]).stdout,
    );
    const reload = runCli(["config", "reload", "-w", root, "--json"]);
    expect(reload.status, reload.stderr).toBe(0);
    expect(reload.json<{ action: string; mode: string }>()).toMatchObject({
      action: "reload_config",
      mode: "direct",
    });

    expect(runCli(["run", "once", "-w", root]).status).toBe(0);
    const provenance = runCli(["run-provenance", "latest", "-w", root, "--json"]);
    expect(provenance.status, provenance.stderr).toBe(0);
    expect(provenance.stdout).toBe(runCli(["runs", "show", "latest", "-w", root, "--json"]).stdout);
    const missing = runCli(["run-provenance", "run-nope", "-w", root]);
    expect(missing.status).toBe(1);
    expect(runCli(["run-provenance", "-w", root]).status).toBe(2);
  });

  it("top-level help lists them as aliases", () => {
    const help = runCli(["--help"]);
    expect(help.stdout).toContain("millrace health");
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      "Also accepted (the original Millrace's spellings): config reload = reload-config; queue inspect = queue ls; health = doctor; run-provenance <run_id> = runs show <run_id>; logs [--tail N] [--follow] = events [--tail N] [--follow].",
    );
  });
});
