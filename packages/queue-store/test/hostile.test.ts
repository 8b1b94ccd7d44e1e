import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MillraceError } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import {
  buildTaskFromTitle,
  dropIdea,
  openQueueStore,
  parseWorkDocument,
  readBodyFile,
  readImportPath,
  renderWorkDocument,
} from "../src/index.js";
import { task, tempWorkspace } from "./helpers.js";

const distEntry = new URL("../dist/index.js", import.meta.url).href;
const here = path.dirname(fileURLToPath(import.meta.url));

function errorOf(action: () => unknown): MillraceError {
  try {
    action();
  } catch (error) {
    if (MillraceError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a MillraceError");
}

function tempFile(name: string, content?: string | Buffer): string {
  const file = path.join(tempWorkspace().root, name);
  if (content !== undefined) writeFileSync(file, content);
  return file;
}

describe("body and import files", () => {
  it("--body-file /dev/zero (directly or through a link) fails fast with a clear error and a hint", () => {
    const started = Date.now();
    const direct = errorOf(() => readBodyFile("/dev/zero"));
    expect(direct.code).toBe("workspace_file_rejected");
    expect(direct.message).toBe("/dev/zero is not a regular file (character device)");
    expect(direct.hint).toMatch(/regular text file of at most 1 MiB/);
    const link = tempFile("zero.md");
    symlinkSync("/dev/zero", link);
    expect(errorOf(() => readBodyFile(link)).code).toBe("workspace_file_rejected");
    expect(errorOf(() => readImportPath(link)).message).toContain("not a regular file");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("a FIFO body file fails at once (child process, with a timeout guard)", () => {
    expect(existsSync(path.join(here, "..", "dist", "index.js")), "build the package first").toBe(true);
    const fifo = tempFile("body.md");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const script = `
      import { readBodyFile } from ${JSON.stringify(distEntry)};
      try { readBodyFile(process.argv[1]); } catch (error) { process.stdout.write(error.code + ": " + error.message); }
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, fifo], {
      timeout: 10_000,
      encoding: "utf8",
    });
    expect(child.signal).toBeNull();
    expect(child.stdout).toBe(`workspace_file_rejected: ${fifo} is not a regular file (FIFO)`);
  });

  it("a 5 MB random body file or import is refused by size without being read whole; a folder is refused", () => {
    const big = tempFile("random.md", randomBytes(5 * 1024 * 1024));
    expect(errorOf(() => readBodyFile(big)).message).toBe(
      `${big}: is 5242880 bytes; the limit is 1048576 bytes (1 MiB)`,
    );
    expect(errorOf(() => readImportPath(big)).code).toBe("work_document_too_large");
    const dir = tempFile("adir.md");
    mkdirSync(dir);
    expect(errorOf(() => readBodyFile(dir)).message).toBe(`${dir} is not a regular file (directory)`);
    expect(errorOf(() => readBodyFile(`${dir}/missing.md`)).code).toBe("workspace_io_failed");
    expect(errorOf(() => readImportPath("/dev/zero")).code).toBe("queue_import_unsupported");
  });

  it("readImportPath reads a regular document", () => {
    const file = tempFile("t.md", renderWorkDocument(task("task-imp")));
    expect(readImportPath(file)).toMatchObject({ kind: "task", task_id: "task-imp" });
  });
});

describe("plain-text documents", () => {
  it("refuses titles with ESC, BEL or NUL, and bodies with escape sequences", () => {
    const evil = errorOf(() => buildTaskFromTitle({ title: "Evil \u001b[2J\u001b]0;pwned\u0007" }));
    expect(evil.code).toBe("work_document_invalid");
    expect(evil.message).toBe(
      "<document>: Title: holds the control character U+001B at offset 5; work documents must be plain text",
    );
    expect(errorOf(() => buildTaskFromTitle({ title: "a\u0000b" })).message).toContain("U+0000");
    expect(errorOf(() => buildTaskFromTitle({ title: "ok", body: "x\u001b[31mred" })).message).toContain(
      "U+001B",
    );
    expect(errorOf(() => buildTaskFromTitle({ title: "c1 \u009b31m" })).message).toContain("U+009B");
    expect(buildTaskFromTitle({ title: "tab\tok", body: "multi\r\nline\tbody" }).title).toBe("tab\tok");
  });

  it("the parser names the line of a control character", () => {
    const text = renderWorkDocument(task("task-esc")).replaceAll("Task task-esc", "Task \u001b]0;x\u0007");
    const error = errorOf(() => parseWorkDocument(text, { file: "t.md" }));
    expect(error.message).toBe(
      "t.md:4: Title: holds the control character U+001B at offset 5; work documents must be plain text",
    );
    const listed = renderWorkDocument(task("task-l")).replace("- it works", "- it \u0000works");
    expect(errorOf(() => parseWorkDocument(listed, { file: "l.md" })).message).toMatch(
      /^l\.md:\d+: Acceptance: item 1: holds the control character U\+0000/,
    );
  });

  it("dropIdea refuses an idea with control characters and an inbox linked out of the workspace", () => {
    const paths = tempWorkspace();
    const esc = tempFile("esc.md", "# Idea \u001b[2J\n");
    expect(errorOf(() => dropIdea(paths, esc)).message).toContain("U+001B");
    const outside = tempWorkspace().root;
    mkdirSync(path.dirname(paths.ideasInbox), { recursive: true });
    symlinkSync(outside, paths.ideasInbox);
    const good = tempFile("good.md", "# A good idea\n");
    expect(errorOf(() => dropIdea(paths, good)).code).toBe("workspace_path_escapes");
    expect(readdirSync(outside)).not.toContain("good.md");
  });
});

describe("queue folders", () => {
  it("a link, a folder, a FIFO and a /dev/zero link named *.md are quarantined by a claim, which never blocks", () => {
    expect(existsSync(path.join(here, "..", "dist", "index.js")), "build the package first").toBe(true);
    const paths = tempWorkspace();
    const dir = paths.queues.task.queue;
    const outside = path.join(tempWorkspace().root, "secret.md");
    writeFileSync(outside, renderWorkDocument(task("secret")));
    symlinkSync(outside, path.join(dir, "secret.md"));
    symlinkSync("/dev/zero", path.join(dir, "zero.md"));
    mkdirSync(path.join(dir, "adir.md"));
    expect(spawnSync("mkfifo", [path.join(dir, "p.md")]).status).toBe(0);
    writeFileSync(path.join(dir, "task-good.md"), renderWorkDocument(task("task-good")));
    const script = `
      import { openQueueStore } from ${JSON.stringify(distEntry)};
      import { workspacePaths } from "@millrace/workspace";
      const store = openQueueStore(workspacePaths(process.argv[1]), { indexFile: false });
      process.stdout.write(String(store.claimNext("execution")?.id));
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, paths.root], {
      timeout: 20_000,
      encoding: "utf8",
      cwd: path.join(here, ".."),
    });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.stdout).toBe("task-good");
    expect(readdirSync(dir).sort()).toEqual([
      "adir.md.invalid",
      "invalid-artifacts.jsonl",
      "p.md.invalid",
      "secret.md.invalid",
      "zero.md.invalid",
    ]);
    expect(lstatSync(path.join(dir, "secret.md.invalid")).isSymbolicLink()).toBe(true);
    expect(existsSync(outside)).toBe(true);
    rmSync(path.join(dir, "p.md.invalid"));
    // In this process too: the store reports the entries and does not follow the link.
    const store = openQueueStore(paths, { indexFile: false });
    expect(store.claimNext("execution")).toBeUndefined();
  });
});
