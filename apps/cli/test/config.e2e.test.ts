import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";
import { hashTree } from "./wshash.js";

function workspace(configText?: string) {
  const root = tempDir();
  runCli(["init", root]);
  const file = path.join(root, "millrace-agents", "millrace.toml");
  if (configText !== undefined) writeFileSync(file, configText);
  return { root, file };
}

describe("millrace config", () => {
  it("show prints the effective config as key: value lines and as JSON", () => {
    const { root } = workspace(
      "[runtime]\nidle_sleep_seconds = 2.5\n[stages.builder]\ntimeout_seconds = 90\n",
    );
    const text = runCli(["config", "show", "-w", root]);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^config_file: .*millrace\.toml\nconfig_version: cfg-[0-9a-f]{12}\n/);
    expect(text.stdout).toContain("runtime.default_mode: default_codex\n");
    expect(text.stdout).toContain("runtime.idle_sleep_seconds: 2.5\n");
    expect(text.stdout).toContain("stages.builder.timeout_seconds: 90\n");
    const json = runCli(["config", "show", "-w", root, "--json"]).json<{
      config_version: string;
      config: { runtime: { idle_sleep_seconds: number }; watchers: { enabled: boolean } };
    }>();
    expect(json.config.runtime.idle_sleep_seconds).toBe(2.5);
    expect(json.config.watchers.enabled).toBe(true);
    expect(json.config_version).toMatch(/^cfg-[0-9a-f]{12}$/);
  });

  it("a FIFO or a link as millrace.toml is refused at once with a hint by the config and compile commands", () => {
    const { root, file } = workspace();
    rmSync(file);
    execFileSync("mkfifo", [file]);
    for (const argv of [
      ["config", "validate"],
      ["config", "show"],
      ["compile", "validate"],
    ]) {
      const run = runCli([...argv, "-w", root]);
      expect(run.status, argv.join(" ")).toBe(1);
      expect(run.stderr).toMatch(/millrace\.toml is not a regular file \(FIFO\)/);
      expect(run.stderr).toMatch(/hint: .*regular TOML file/);
    }
    rmSync(file);
    const outside = path.join(tempDir(), "elsewhere.toml");
    writeFileSync(outside, "");
    symlinkSync(outside, file);
    const linked = runCli(["config", "show", "-w", root, "--json"]);
    expect(linked.status).toBe(1);
    expect(linked.json<{ error: { code: string } }>().error.code).toBe("workspace_file_rejected");
    // A file the operator names is trusted to be a link, but not to be a device.
    expect(runCli(["config", "validate", "-w", root, "--config", outside]).status).toBe(0);
    expect(runCli(["config", "validate", "-w", root, "--config", "/dev/zero"]).stderr).toContain(
      "character device",
    );
  });

  it("the freshly seeded config validates", () => {
    const { root } = workspace();
    const run = runCli(["config", "validate", "-w", root, "--json"]);
    expect(run.status).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, problems: [] });
  });

  const bad: Array<[string, string, string, RegExp]> = [
    [
      "malformed TOML",
      '[runtime]\nrun_style = "once\n',
      "config_parse_failed",
      /is not valid TOML at line 2, column \d+/,
    ],
    [
      "an unknown key",
      "[runners.codex]\nbogus = 1\n",
      "config_invalid",
      /unknown key `runners\.codex\.bogus` at line 2; remove it \(known keys: command, args/,
    ],
    [
      "a wrong type",
      '[runtime]\n\nidle_sleep_seconds = "fast"\n',
      "config_invalid",
      /`runtime\.idle_sleep_seconds` at line 3 must be a number > 0, got "fast"/,
    ],
  ];

  for (const [name, text, code, pattern] of bad) {
    it(`${name}: show and validate exit 1 with a one-line error naming the problem; nothing changes`, () => {
      const { root } = workspace(text);
      const before = hashTree(root);
      const show = runCli(["config", "show", "-w", root]);
      expect(show.status).toBe(1);
      const [first, second, ...rest] = show.stderr.split("\n");
      expect(first).toMatch(/^error: /);
      expect(first).toMatch(pattern);
      expect(second).toMatch(/^hint: /);
      expect(rest.join("")).toBe("");
      const showJson = runCli(["config", "show", "-w", root, "--json"]);
      expect(showJson.status).toBe(1);
      expect(showJson.json<{ error: { code: string } }>().error.code).toBe(code);
      const validate = runCli(["config", "validate", "-w", root]);
      expect(validate.status).toBe(1);
      expect(validate.stdout).toMatch(/ok: false\nerrors: 1\nerror: /);
      expect(validate.stdout).toMatch(pattern);
      expect(runCli(["config", "validate", "-w", root, "--json"]).json()).toMatchObject({ ok: false, code });
      expect(hashTree(root)).toBe(before);
    });
  }

  it("--config validates another file", () => {
    const dir = tempDir();
    const file = path.join(dir, "other.toml");
    writeFileSync(file, '[runtime]\nrun_style = "sometimes"\n');
    const run = runCli(["config", "validate", "--config", file, "-w", dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      '`runtime.run_style` at line 2 must be one of once, daemon; got "sometimes"',
    );
    expect(readFileSync(file, "utf8")).toBe('[runtime]\nrun_style = "sometimes"\n');
  });

  it("an uninitialized workspace: exit 3 with a hint naming millrace init", () => {
    const run = runCli(["config", "show", "-w", tempDir()]);
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(
      /^error: .* is not an initialized Millrace workspace.*\nhint: Run `millrace init /,
    );
  });

  it("an unknown action is a usage error (exit 2)", () => {
    expect(runCli(["config", "frob", "-w", tempDir()]).status).toBe(2);
  });
});
