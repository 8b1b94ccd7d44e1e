import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  describeReadProblem,
  initWorkspace,
  readIdeaFile,
  readMailboxFile,
  validateConfigText,
  type WorkspacePaths,
  workspacePaths,
  workspaceReadLimits,
} from "../src/index.js";
import { fakeAssets, tempDir } from "./helpers.js";

function withLimits(limits: string): WorkspacePaths {
  const root = tempDir();
  initWorkspace(root, { assetsRoot: fakeAssets() });
  const paths = workspacePaths(root);
  mkdirSync(paths.ideasInbox, { recursive: true });
  mkdirSync(paths.mailboxIncoming, { recursive: true });
  writeFileSync(paths.configFile, `[limits]\n${limits}\n`);
  return paths;
}

describe("[limits] in millrace.toml", () => {
  it("has documented defaults and refuses values outside each key's range with the key and the range", () => {
    const ok = validateConfigText("");
    expect(ok.ok && ok.config.limits).toEqual({
      max_document_bytes: 1048576,
      max_mailbox_envelope_bytes: 2097152,
      max_result_bytes: 4194304,
      max_idea_bytes: 1048576,
      max_body_file_bytes: 1048576,
    });
    for (const [text, key] of [
      ["max_document_bytes = 100", "limits.max_document_bytes"],
      ["max_idea_bytes = 1e12", "limits.max_idea_bytes"],
      ["max_result_bytes = 300000000", "limits.max_result_bytes"],
      ["max_body_file_bytes = 5000.5", "limits.max_body_file_bytes"],
      ["max_mailbox_envelope_bytes = -1", "limits.max_mailbox_envelope_bytes"],
    ] as const) {
      const bad = validateConfigText(`[limits]\n${text}\n`);
      expect(bad.ok, text).toBe(false);
      if (!bad.ok) {
        expect(bad.problems[0]?.key).toBe(key);
        expect(bad.problems[0]?.message).toMatch(/an integer from \d+ to \d+ \(bytes\)|must be/);
      }
    }
    const unknown = validateConfigText("[limits]\nmax_config_bytes = 5000\n");
    expect(unknown.ok).toBe(false);
  });

  it("max_idea_bytes: an idea one byte over is refused with the reason; one at the cap is read", () => {
    const paths = withLimits("max_idea_bytes = 4096");
    expect(workspaceReadLimits(paths).max_idea_bytes).toBe(4096);
    writeFileSync(path.join(paths.ideasInbox, "over.md"), `${"a".repeat(4096)}\n`);
    writeFileSync(path.join(paths.ideasInbox, "at.md"), `${"a".repeat(4095)}\n`);
    const over = readIdeaFile(paths, "over.md");
    expect(over.kind).toBe("too_large");
    if (over.kind === "too_large")
      expect(describeReadProblem(over)).toBe("is 4097 bytes; the limit is 4096 bytes");
    expect(readIdeaFile(paths, "at.md").kind).toBe("ok");
  });

  it("max_mailbox_envelope_bytes: a command file one byte over is refused; one at the cap is read", () => {
    const paths = withLimits("max_mailbox_envelope_bytes = 4096");
    writeFileSync(path.join(paths.mailboxIncoming, "over.json"), `"${"a".repeat(4094)}"\n`);
    writeFileSync(path.join(paths.mailboxIncoming, "at.json"), `"${"a".repeat(4093)}"\n`);
    expect(readMailboxFile(paths, "over.json")).toMatchObject({ kind: "too_large", size: 4097, limit: 4096 });
    expect(readMailboxFile(paths, "at.json").kind).toBe("ok");
  });

  it("an edited config is picked up; an invalid one falls back to the defaults", () => {
    const paths = withLimits("max_idea_bytes = 4096");
    expect(workspaceReadLimits(paths).max_idea_bytes).toBe(4096);
    writeFileSync(paths.configFile, "[limits]\nmax_idea_bytes = 8192 # edited\n");
    expect(workspaceReadLimits(paths).max_idea_bytes).toBe(8192);
    writeFileSync(paths.configFile, "[limits]\nmax_idea_bytes = 1\n");
    expect(workspaceReadLimits(paths).max_idea_bytes).toBe(1048576);
  });
});
