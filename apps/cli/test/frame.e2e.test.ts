import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

describe("the CLI frame", () => {
  it("prints its version", () => {
    const run = runCli(["version"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^millrace \d+\.\d+\.\d+\n$/);
    expect(runCli(["version", "--json"]).json<{ name: string }>().name).toBe("millrace");
  });

  it("exits 2 with one line and a hint on an unknown command", () => {
    const run = runCli(["frobnicate"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe("error: Unknown argument: frobnicate\nhint: run `millrace --help`\n");
  });

  it("exits 2 when no command is given", () => {
    const run = runCli([]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Missing command");
  });

  it("answers a usage error with a JSON error object under --json", () => {
    const run = runCli(["frobnicate", "--json"]);
    expect(run.status).toBe(2);
    expect(run.json<{ error: { code: string } }>().error.code).toBe("usage_invalid_argument");
  });

  it("shows examples in command help", () => {
    const run = runCli(["version", "--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Examples:");
  });
});
