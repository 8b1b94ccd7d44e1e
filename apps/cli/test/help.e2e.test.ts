// Every registered command documents itself: `millrace <command> --help` prints its usage and an
// `Examples:` section, and the lazy command table knows every command (so it loads on its own).
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES, commandWord } from "../src/command-loader.js";
import { commandGroups } from "../src/commands/index.js";
import { runCli } from "./helpers.js";

const commands = commandGroups.flat();
const words = commands.map(commandWord);

describe("--help", () => {
  it("registers each command word once", () => {
    expect(new Set(words).size).toBe(words.length);
  });

  it.each(commands.map((command) => [commandWord(command), command] as const))(
    "millrace %s --help shows usage and its examples",
    (word, command) => {
      expect(command.examples?.length ?? 0).toBeGreaterThan(0);
      const result = runCli([word, "--help"]);
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`millrace ${word}`);
      expect(result.stdout).toContain("Examples:");
      // Long examples wrap inside their column, so count the lines that start one.
      const section = result.stdout.slice(result.stdout.indexOf("Examples:"));
      const starts = section.split("\n").filter((line) => line.trimStart().startsWith(`millrace ${word}`));
      expect(starts.length).toBe(command.examples?.length);
    },
  );

  it("lists every command in the top-level help", () => {
    const result = runCli(["--help"]);
    expect(result.status).toBe(0);
    for (const word of words) expect(result.stdout).toMatch(new RegExp(`^\\s+millrace ${word}\\b`, "m"));
  });

  it.each(words)("the lazy command table loads %s from its own module", async (word) => {
    const load = COMMAND_MODULES[word];
    expect(load, `add "${word}" to COMMAND_MODULES in apps/cli/src/command-loader.ts`).toBeDefined();
    const module = await (load as () => Promise<Record<string, unknown>>)();
    const found = Object.values(module)
      .flat()
      .some((value) => commands.includes(value as never) && commandWord(value as never) === word);
    expect(found).toBe(true);
  });

  it("has no stale entries in the lazy command table", () => {
    expect(Object.keys(COMMAND_MODULES).sort()).toEqual([...words].sort());
  });

  it("finds the command word after global options", async () => {
    const { requestedCommand } = await import("../src/command-loader.js");
    expect(requestedCommand(["-w", "/tmp/x", "status", "--json"])).toBe("status");
    expect(requestedCommand(["--workspace", "queue", "queue", "ls"])).toBe("queue");
    expect(requestedCommand(["--workspace=/tmp/x", "--json", "runs", "ls"])).toBe("runs");
    expect(requestedCommand(["--json"])).toBeUndefined();
  });

  it("loads only the named command, so a global option before it still works", () => {
    const result = runCli(["-w", "/nonexistent-millrace-ws", "version", "--json"]);
    expect(result.status).toBe(0);
    expect(result.json<{ name: string }>().name).toBe("millrace");
  });

  it("still suggests a close command for a typo, with exit 2", () => {
    const result = runCli(["stauts"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Did you mean status?");
    expect(result.stdout).toBe("");
  });
});
