import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "./helpers.js";

const ESCAPES = "\u001b[2J\u001b]0;pwned\u0007";

describe("terminal output never carries control characters from workspace files", () => {
  it("add-task refuses a title with escape sequences, naming the character instead of echoing it", () => {
    const root = path.join(tempDir(), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    const refused = runCli(["add-task", `Evil ${ESCAPES}`, "--workspace", root]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("U+001B");
    expect(refused.stderr).not.toContain("\u001b");
    expect(refused.stderr).not.toContain("\u0007");
  });

  it("a document edited on disk to hold escapes is listed and shown with them neutralised", () => {
    const root = path.join(tempDir(), "ws");
    expect(runCli(["init", root]).status).toBe(0);
    expect(runCli(["add-task", "Fine task", "--workspace", root]).status).toBe(0);
    const folder = path.join(root, "millrace-agents", "tasks", "queue");
    const [name] = readdirSync(folder).filter((file) => file.endsWith(".md"));
    const file = path.join(folder, name as string);
    writeFileSync(
      file,
      readFileSync(file, "utf8")
        .replace("# Fine task", `# Evil ${ESCAPES} task`)
        .replace("Title: Fine task", `Title: Evil ${ESCAPES} task`),
    );
    for (const args of [["queue", "ls"], ["queue", "show", (name as string).slice(0, -3)], ["status"]]) {
      const result = runCli([...args, "--workspace", root]);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
  });
});
