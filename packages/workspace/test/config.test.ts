import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MillraceConfigSchema, MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { loadConfig, packagedAssetsRoot, validateConfigText, workspacePaths } from "../src/index.js";
import { parseToml, stringifyToml, tomlKeyLines } from "../src/toml.js";
import { hashTree, tempDir } from "./helpers.js";

function workspaceWithConfig(text: string) {
  const root = tempDir();
  const paths = workspacePaths(root);
  mkdirSync(paths.runtimeRoot, { recursive: true });
  writeFileSync(paths.configFile, text);
  return paths;
}

function loadError(text: string): { error: MillraceError; changed: boolean } {
  const paths = workspaceWithConfig(text);
  const before = hashTree(paths.root);
  try {
    loadConfig(paths);
  } catch (error) {
    if (!MillraceError.isInstance(error)) throw error;
    return { error, changed: hashTree(paths.root) !== before };
  }
  throw new Error("expected loadConfig to fail");
}

describe("toml module", () => {
  it("parses tables and turns dates into ISO strings", () => {
    const result = parseToml('[a]\nb = 1\nwhen = 2026-01-01T00:00:00Z\n[a.c]\nd = "x"\n');
    expect(result).toEqual({
      ok: true,
      value: { a: { b: 1, when: "2026-01-01T00:00:00.000Z", c: { d: "x" } } },
    });
  });

  it("reports 1-based line and column for syntax errors", () => {
    const result = parseToml("a = 1\nb = = 2\n");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatchObject({ line: 2, column: 5 });
  });

  it("round-trips through stringify", () => {
    const value = { runtime: { default_mode: "x", idle_sleep_seconds: 2.5 } };
    const back = parseToml(stringifyToml(value));
    expect(back).toEqual({ ok: true, value });
  });

  it("locates keys: headers, dotted keys, quoted keys, arrays of tables, multi-line values", () => {
    const text = [
      "# comment",
      "[runtime]",
      'default_mode = "x" # trailing',
      "[runners.codex]",
      "args = [",
      '  "exec",',
      "]",
      'env.HOME = "/h"',
      '"quoted.key" = 1',
      "[[usage_governance.runtime_token_rules.rules]]",
      'rule_id = "a"',
      "[[usage_governance.runtime_token_rules.rules]]",
      "threshold = 5",
    ].join("\n");
    const lines = tomlKeyLines(text);
    expect(lines.get("runtime")).toBe(2);
    expect(lines.get("runtime.default_mode")).toBe(3);
    expect(lines.get("runners.codex.args")).toBe(5);
    expect(lines.get("runners.codex.env.HOME")).toBe(8);
    expect(lines.get("runners.codex.quoted.key")).toBe(9);
    expect(lines.get("usage_governance.runtime_token_rules.rules.0.rule_id")).toBe(11);
    expect(lines.get("usage_governance.runtime_token_rules.rules.1.threshold")).toBe(13);
  });
});

describe("config validation", () => {
  it("the packaged commented template parses to exactly the default config", () => {
    const text = readFileSync(path.join(packagedAssetsRoot(), "millrace.toml"), "utf8");
    const result = validateConfigText(text);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config).toEqual(MillraceConfigSchema.parse({}));
    expect(text).toContain('default_mode = "default_codex"');
  });

  it("an empty file is the default config; a missing file too", () => {
    const paths = workspaceWithConfig("");
    expect(loadConfig(paths)).toEqual(MillraceConfigSchema.parse({}));
    expect(loadConfig(tempDir())).toEqual(MillraceConfigSchema.parse({}));
  });

  it("deep-merges the file over defaults", () => {
    const paths = workspaceWithConfig(
      '[runtime]\nidle_sleep_seconds = 3\n[runners.codex]\nargs = ["exec", "--x"]\n[stages.builder]\ntimeout_seconds = 60\n',
    );
    const config = loadConfig(paths.root);
    expect(config.runtime).toEqual({
      default_mode: "default_codex",
      run_style: "daemon",
      idle_sleep_seconds: 3,
    });
    expect(config.runners.codex.args).toEqual(["exec", "--x"]);
    expect(config.runners.codex.command).toBe("codex");
    expect(config.stages.builder?.timeout_seconds).toBe(60);
  });

  it("malformed TOML: config_parse_failed with line and column, exit 1, nothing changed", () => {
    const { error, changed } = loadError('[runtime]\ndefault_mode = "x"\nrun_style = \n');
    expect(error.code).toBe("config_parse_failed");
    expect(error.exitStatus).toBe(1);
    expect(error.message).toMatch(/is not valid TOML at line 3, column \d+:/);
    expect(error.message).not.toContain("\n");
    expect(error.hint).toContain("millrace config validate");
    expect(changed).toBe(false);
  });

  it("unknown key: names the dotted key, its line, the fix and the known keys", () => {
    const { error, changed } = loadError(
      '[runtime]\nrun_style = "once"\n\n[runners.codex]\ncommand = "codex"\n\nbogus = true\n',
    );
    expect(error.code).toBe("config_invalid");
    expect(error.exitStatus).toBe(1);
    expect(error.message).toMatch(
      /^unknown key `runners\.codex\.bogus` at line 7; remove it \(known keys: command, args, profile, /,
    );
    expect(changed).toBe(false);
  });

  it("unknown top-level table is reported too", () => {
    const result = validateConfigText("[runtimes]\nx = 1\n");
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems[0]?.message).toMatch(
        /^unknown key `runtimes` at line 1; remove it \(known keys: runtime, runners/,
      );
  });

  it("wrong type: names the key, the line, the expected type and the value", () => {
    const { error, changed } = loadError('[runtime]\n\nidle_sleep_seconds = "fast"\n');
    expect(error.code).toBe("config_invalid");
    expect(error.message).toBe('`runtime.idle_sleep_seconds` at line 3 must be a number > 0, got "fast"');
    expect(changed).toBe(false);
  });

  it("out of range, integers and booleans are described", () => {
    const result = validateConfigText(
      "[recovery]\nmax_fix_cycles = 1.5\n[watchers]\nenabled = 1\n[runtime]\nidle_sleep_seconds = 0\n",
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const messages = result.problems.map((p) => p.message);
    expect(messages).toContain("`recovery.max_fix_cycles` at line 2 must be an integer > 0, got 1.5");
    expect(messages).toContain("`watchers.enabled` at line 4 must be true or false, got 1");
    expect(messages).toContain("`runtime.idle_sleep_seconds` at line 6 must be a number > 0, got 0");
  });

  it("a number outside its range names the key, the range and the fix", () => {
    for (const value of ["3000000", "1e308", "0.001"]) {
      const { error, changed } = loadError(`[runtime]\nidle_sleep_seconds = ${value}\n`);
      expect(error.code).toBe("config_invalid");
      expect(error.message).toBe(
        `\`runtime.idle_sleep_seconds\` at line 2 must be a number from 0.01 to 3600 (seconds), got ${Number(value)}; set a value in that range, or remove the key to use its default`,
      );
      expect(changed).toBe(false);
    }
    const result = validateConfigText(
      '[recovery]\nmax_fix_cycles = 1000\n[[usage_governance.runtime_token_rules.rules]]\nrule_id = "r"\nwindow = "per_run"\nthreshold = 1e300\n[stages.builder]\ntimeout_seconds = 1e9\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.message)).toEqual([
      "`recovery.max_fix_cycles` at line 2 must be an integer from 1 to 100 (cycles), got 1000; set a value in that range, or remove the key to use its default",
      "`usage_governance.runtime_token_rules.rules.0.threshold` at line 6 must be a number over 0 and at most 1e15 (tokens, or US dollars for cost_usd), got 1e+300; set a value in that range",
      "`stages.builder.timeout_seconds` at line 8 must be a number from 1 to 604800 (seconds), got 1000000000; set a value in that range, or remove the key to use its default",
    ]);
  });

  it("the packaged template stays valid with every commented example switched on", () => {
    const text = readFileSync(path.join(packagedAssetsRoot(), "millrace.toml"), "utf8");
    const uncommented = text.replace(/^# ?([A-Za-z_][A-Za-z0-9_]* = .*|\[.*\])$/gm, "$1");
    expect(uncommented).not.toBe(text);
    const result = validateConfigText(uncommented);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it("bad enum value lists the allowed values", () => {
    const result = validateConfigText(
      '[runtime]\nrun_style = "forever"\n[runners.codex]\npermission_default = "root"\n',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.message)).toEqual([
      '`runtime.run_style` at line 2 must be one of once, daemon; got "forever"',
      '`runners.codex.permission_default` at line 4 must be one of basic, normal, elevated, maximum; got "root"',
    ]);
  });

  it("custom rules (reserved pi flags) keep their explanation", () => {
    const result = validateConfigText('[runners.pi]\nargs = ["--model=x"]\n');
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems[0]?.message).toMatch(
        /^`runners\.pi\.args` at line 2 is invalid: --model is set by Millrace itself/,
      );
  });

  it("problems inside arrays of tables point at the right table", () => {
    const result = validateConfigText(
      '[[usage_governance.runtime_token_rules.rules]]\nrule_id = "a"\nwindow = "rolling_5h"\nthreshold = 10\n[[usage_governance.runtime_token_rules.rules]]\nrule_id = "b"\nwindow = "hourly"\nthreshold = 10\n',
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems[0]?.message).toBe(
        '`usage_governance.runtime_token_rules.rules.1.window` at line 7 must be one of rolling_5h, calendar_week, daemon_session, per_run; got "hourly"',
      );
  });

  it("several problems: the error names the first and counts the rest; details carry all", () => {
    const { error } = loadError('[runtime]\nrun_style = "x"\nidle_sleep_seconds = "y"\n');
    expect(error.message).toMatch(/\(and 1 more problem\(s\)\)$/);
    expect((error.details.problems as unknown[]).length).toBe(2);
  });
});

describe("config reloads", () => {
  it("a reload of the same text hands out an independent copy, and a changed text is parsed again", () => {
    const root = tempDir();
    const paths = workspacePaths(root);
    mkdirSync(path.dirname(paths.configFile), { recursive: true });
    writeFileSync(paths.configFile, "[runtime]\nidle_sleep_seconds = 3\n");
    const first = loadConfig(paths);
    first.runtime.idle_sleep_seconds = 99;
    expect(loadConfig(paths).runtime.idle_sleep_seconds).toBe(3);
    writeFileSync(paths.configFile, "[runtime]\nidle_sleep_seconds = 4\n");
    expect(loadConfig(paths).runtime.idle_sleep_seconds).toBe(4);
    writeFileSync(paths.configFile, "[runtime]\nidle_sleep_seconds = -1\n");
    expect(() => loadConfig(paths)).toThrow(/idle_sleep_seconds/);
  });
});
