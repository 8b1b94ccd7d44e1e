import { describe, expect, it } from "vitest";
import { COMPAT_SPELLINGS, compatEpilogue, rewriteCompatSpelling } from "../src/compat-aliases.js";

describe("the original's command spellings", () => {
  it("rewrites config reload and queue inspect to ours, wherever the options sit", () => {
    expect(rewriteCompatSpelling(["config", "reload"])).toEqual(["reload-config"]);
    expect(rewriteCompatSpelling(["-w", "ws", "config", "--json", "reload"])).toEqual([
      "-w",
      "ws",
      "reload-config",
      "--json",
    ]);
    expect(rewriteCompatSpelling(["queue", "inspect", "--json"])).toEqual(["queue", "ls", "--json"]);
  });

  it("leaves everything else alone, including an option value that looks like a word", () => {
    for (const argv of [["config", "show"], ["queue", "ls"], ["-w", "config", "reload"], ["status"], []]) {
      expect(rewriteCompatSpelling(argv)).toEqual(argv);
    }
  });

  it("names every spelling in the help epilogue", () => {
    for (const { spelling, target } of COMPAT_SPELLINGS)
      expect(compatEpilogue()).toContain(`${spelling} = ${target}`);
  });
});
