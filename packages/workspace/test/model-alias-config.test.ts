import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { changeModelAliases, listModelAliases, loadConfig, showModelAlias } from "../src/index.js";
import { workspacePaths } from "../src/paths.js";
import { tempDir } from "./helpers.js";

const START = `# my settings
[runtime]
idle_sleep_seconds = 0.5 # fast loop
`;

function workspace(text = START) {
  const paths = workspacePaths(tempDir("millrace-aliases-"));
  mkdirSync(path.dirname(paths.configFile), { recursive: true });
  writeFileSync(paths.configFile, text);
  return paths;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("model alias config edits", () => {
  it("set, assign and clear edit millrace.toml in place and the config reads them back", () => {
    const paths = workspace();
    expect(
      changeModelAliases(paths, { action: "set", alias: "fast", model: "gpt-mini", thinkingLevel: "low" }),
    ).toEqual({ configFile: paths.configFile, updated: true });
    changeModelAliases(paths, { action: "set", alias: "deep", model: "openai/gpt-5:latest" });
    changeModelAliases(paths, { action: "assign-global", alias: "deep" });
    changeModelAliases(paths, { action: "assign-loop", loop: "execution.standard", alias: "fast" });
    changeModelAliases(paths, { action: "assign-stage", stage: "checker", alias: "fast" });
    const text = readFileSync(paths.configFile, "utf8");
    expect(text.startsWith(START)).toBe(true);
    const config = loadConfig(paths);
    expect(config.model_aliases).toEqual({
      fast: { model: "gpt-mini", thinking_level: "low" },
      deep: { model: "openai/gpt-5:latest" },
    });
    expect(config.model_assignment).toMatchObject({
      enabled: true,
      default_alias: "deep",
      by_loop: { "execution.standard": "fast" },
      by_stage: { checker: "fast" },
    });
    expect(showModelAlias(paths, "fast")).toEqual({
      alias_id: "fast",
      model: "gpt-mini",
      thinking_level: "low",
      assigned_global: false,
      assigned_loops: ["execution.standard"],
      assigned_stages: ["checker"],
    });
    expect(listModelAliases(paths).aliases.map((a) => a.alias_id)).toEqual(["deep", "fast"]);

    changeModelAliases(paths, { action: "clear-stage", stage: "checker" });
    changeModelAliases(paths, { action: "clear-loop", loop: "execution.standard" });
    changeModelAliases(paths, { action: "clear-global" });
    const cleared = loadConfig(paths).model_assignment;
    expect(cleared).toMatchObject({ default_alias: "standard", by_loop: {}, by_stage: {} });
    changeModelAliases(paths, { action: "remove", alias: "fast" });
    expect(Object.keys(loadConfig(paths).model_aliases)).toEqual(["deep"]);
    expect(readFileSync(paths.configFile, "utf8")).toContain("idle_sleep_seconds = 0.5 # fast loop\n");
    // Saying again what the file already says writes nothing.
    expect(changeModelAliases(paths, { action: "clear-global" }).updated).toBe(false);
  });

  it("refuses unsafe names, unknown aliases, an assigned alias's removal and bad levels, writing nothing", () => {
    const paths = workspace();
    changeModelAliases(paths, { action: "set", alias: "fast", model: "m" });
    changeModelAliases(paths, { action: "assign-stage", stage: "builder", alias: "fast" });
    const before = readFileSync(paths.configFile, "utf8");
    expect(codeOf(() => changeModelAliases(paths, { action: "set", alias: "../x", model: "m" }))).toBe(
      "usage_invalid_argument",
    );
    expect(codeOf(() => changeModelAliases(paths, { action: "set", alias: "ok", model: "m; rm -rf" }))).toBe(
      "usage_invalid_argument",
    );
    expect(
      codeOf(() =>
        changeModelAliases(paths, { action: "set", alias: "ok", model: "m", thinkingLevel: "max" }),
      ),
    ).toBe("usage_invalid_argument");
    expect(codeOf(() => changeModelAliases(paths, { action: "assign-global", alias: "nope" }))).toBe(
      "model_alias_not_found",
    );
    expect(codeOf(() => changeModelAliases(paths, { action: "remove", alias: "nope" }))).toBe(
      "model_alias_not_found",
    );
    expect(codeOf(() => changeModelAliases(paths, { action: "remove", alias: "fast" }))).toBe(
      "model_alias_in_use",
    );
    expect(codeOf(() => showModelAlias(paths, "nope"))).toBe("model_alias_not_found");
    expect(readFileSync(paths.configFile, "utf8")).toBe(before);
  });

  it("refuses a file whose aliases are written as an inline table", () => {
    const paths = workspace('model_aliases = { fast = { model = "a" } }\n');
    expect(codeOf(() => changeModelAliases(paths, { action: "set", alias: "fast", model: "b" }))).toBe(
      "config_edit_unsafe",
    );
    expect(readFileSync(paths.configFile, "utf8")).toBe('model_aliases = { fast = { model = "a" } }\n');
  });
});
