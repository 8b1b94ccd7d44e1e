import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  findEscapingLinks,
  initWorkspace,
  quarantineEntry,
  readIdeaFile,
  readMailboxFile,
  runDoctor,
  type WorkspacePaths,
  workspacePaths,
} from "../src/index.js";
import { distEntry, fakeAssets, tempDir } from "./helpers.js";

function fresh(): WorkspacePaths {
  const root = tempDir();
  initWorkspace(root, { assetsRoot: fakeAssets() });
  const paths = workspacePaths(root);
  mkdirSync(paths.ideasInbox, { recursive: true });
  return paths;
}

/** Plants the four hostile entries of the issue in a folder. */
function plantHostile(dir: string, ext: string): void {
  expect(spawnSync("mkfifo", [path.join(dir, `p${ext}`)]).status).toBe(0);
  mkdirSync(path.join(dir, `adir${ext}`));
  symlinkSync("/dev/zero", path.join(dir, `zero${ext}`));
  writeFileSync(path.join(dir, `random${ext}`), randomBytes(5 * 1024 * 1024));
}

const EXPECTED = {
  adir: { kind: "not_regular", fileType: "directory" },
  p: { kind: "not_regular", fileType: "FIFO" },
  random: { kind: "too_large", size: 5 * 1024 * 1024 },
  zero: { kind: "symlink" },
};

/** Reads and quarantines every entry in a child process, so a blocking open fails the test instead of hanging it. */
function classifyAndQuarantine(root: string, reader: "readIdeaFile" | "readMailboxFile", names: string[]) {
  const script = `
    import { ${reader}, quarantineEntry, workspacePaths, describeReadProblem } from ${JSON.stringify(distEntry)};
    import path from "node:path";
    const paths = workspacePaths(process.argv[1]);
    const folder = ${reader === "readIdeaFile" ? "paths.ideasInbox" : "paths.mailboxIncoming"};
    const out = {};
    for (const name of JSON.parse(process.argv[2])) {
      const read = ${reader}(paths, name);
      out[name] = read;
      if (read.kind !== "ok") quarantineEntry(paths, path.join(folder, name), describeReadProblem(read));
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const child = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", script, root, JSON.stringify(names)],
    {
      timeout: 20_000,
      encoding: "utf8",
    },
  );
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  return JSON.parse(child.stdout) as Record<string, { kind: string }>;
}

describe("watched folders", () => {
  it("ideas/inbox: a FIFO, a folder, a /dev/zero link and a 5 MB random file are classified and quarantined without blocking", () => {
    const paths = fresh();
    plantHostile(paths.ideasInbox, ".md");
    writeFileSync(path.join(paths.ideasInbox, "good.md"), "# A good idea\n");
    const names = ["adir.md", "good.md", "p.md", "random.md", "zero.md"];
    const result = classifyAndQuarantine(paths.root, "readIdeaFile", names);
    for (const [stem, expected] of Object.entries(EXPECTED))
      expect(result[`${stem}.md`]).toMatchObject(expected);
    expect(result["good.md"]).toMatchObject({ kind: "ok", text: "# A good idea\n" });
    expect(readdirSync(paths.ideasInbox)).toEqual(["good.md"]);
    const quarantined = readdirSync(paths.quarantine);
    expect(quarantined.filter((n) => n.endsWith(".reason.json"))).toHaveLength(4);
    const fifo = quarantined.find((n) => n.endsWith("-p.md")) as string;
    expect(lstatSync(path.join(paths.quarantine, fifo)).isFIFO()).toBe(true);
    const zero = quarantined.find((n) => n.endsWith("-zero.md")) as string;
    expect(lstatSync(path.join(paths.quarantine, zero)).isSymbolicLink()).toBe(true);
    const record = JSON.parse(readFileSync(path.join(paths.quarantine, `${fifo}.reason.json`), "utf8"));
    expect(record).toMatchObject({
      entry_type: "fifo",
      reason: "is not a regular file (FIFO)",
      source: "ideas/inbox/p.md",
      quarantined_as: `millrace-agents/quarantine/${fifo}`,
    });
  });

  it("state/mailbox/incoming: the same four entries are classified and quarantined without blocking", () => {
    const paths = fresh();
    plantHostile(paths.mailboxIncoming, ".json");
    const names = ["adir.json", "p.json", "random.json", "zero.json"];
    const result = classifyAndQuarantine(paths.root, "readMailboxFile", names);
    for (const [stem, expected] of Object.entries(EXPECTED))
      expect(result[`${stem}.json`]).toMatchObject(expected);
    expect(readdirSync(paths.mailboxIncoming)).toEqual([]);
    expect(readdirSync(paths.quarantine)).toHaveLength(8);
  });

  it("an idea that links to /etc/passwd is not read, and an inbox that links out of the workspace is refused", () => {
    const paths = fresh();
    symlinkSync("/etc/passwd", path.join(paths.ideasInbox, "x.md"));
    expect(readIdeaFile(paths, "x.md")).toEqual({ kind: "symlink" });
    rmSync(paths.ideasInbox, { recursive: true });
    const outside = tempDir("millrace-outside-");
    writeFileSync(path.join(outside, "secret.md"), "# secret\n");
    symlinkSync(outside, paths.ideasInbox);
    expect(readIdeaFile(paths, "secret.md")).toMatchObject({ kind: "outside_workspace" });
    expect(() => quarantineEntry(paths, path.join(paths.ideasInbox, "secret.md"), "x")).toThrow(
      /outside the workspace/,
    );
    expect(existsSync(path.join(outside, "secret.md"))).toBe(true);
  });

  it("ideas with control characters or invalid UTF-8 are refused; names that are not bare names are missing", () => {
    const paths = fresh();
    writeFileSync(path.join(paths.ideasInbox, "esc.md"), "# Evil \u001b]0;pwned\u0007\n");
    writeFileSync(path.join(paths.ideasInbox, "bad.md"), Buffer.from([0x23, 0x20, 0xc3, 0x28]));
    expect(readIdeaFile(paths, "esc.md")).toMatchObject({ kind: "control_chars", char: "U+001B" });
    expect(readIdeaFile(paths, "bad.md")).toEqual({ kind: "invalid_utf8" });
    expect(readIdeaFile(paths, "../../millrace-agents/millrace.toml")).toEqual({ kind: "missing" });
    expect(readIdeaFile(paths, "esc.md", { maxBytes: 4 })).toMatchObject({ kind: "too_large" });
    writeFileSync(path.join(paths.mailboxIncoming, "c.json"), '{"command":"pause"}');
    expect(readMailboxFile(paths, "c.json")).toMatchObject({ kind: "ok", text: '{"command":"pause"}' });
  });

  it("quarantining a vanished entry returns undefined", () => {
    const paths = fresh();
    expect(quarantineEntry(paths, path.join(paths.ideasInbox, "gone.md"), "x")).toBeUndefined();
  });
});

describe("findEscapingLinks and doctor", () => {
  it("reports each runtime-owned link out of the workspace and each non-regular watched entry", () => {
    const paths = fresh();
    const outside = tempDir("millrace-outside-");
    rmSync(paths.runs, { recursive: true });
    symlinkSync(outside, paths.runs);
    rmSync(paths.historylog);
    symlinkSync(path.join(outside, "h.md"), paths.historylog);
    symlinkSync(outside, path.join(paths.queues.task.done, "t.md"));
    symlinkSync("/etc/passwd", path.join(paths.ideasInbox, "x.md"));
    expect(spawnSync("mkfifo", [path.join(paths.mailboxIncoming, "p.json")]).status).toBe(0);

    const rel = (file: string) => path.relative(paths.root, file);
    expect(findEscapingLinks(paths).map((f) => `${f.kind} ${rel(f.path)}`)).toEqual([
      "escaping_link ideas/inbox/x.md",
      "dangling_link millrace-agents/historylog.md",
      "escaping_link millrace-agents/runs",
      "not_regular millrace-agents/state/mailbox/incoming/p.json",
      "escaping_link millrace-agents/tasks/done/t.md",
    ]);
    // Without the entry scan (the supervisor report's health), queue documents and run folders are
    // not looked at one by one; the owned paths themselves, the inbox and the mailbox still are.
    expect(findEscapingLinks(paths, { entries: false }).map((f) => `${f.kind} ${rel(f.path)}`)).toEqual([
      "escaping_link ideas/inbox/x.md",
      "dangling_link millrace-agents/historylog.md",
      "escaping_link millrace-agents/runs",
      "not_regular millrace-agents/state/mailbox/incoming/p.json",
    ]);
    expect(
      runDoctor(paths, { entryScan: false }).checks.some((c) => c.path === "millrace-agents/tasks/done/t.md"),
    ).toBe(false);

    const report = runDoctor(paths);
    expect(report.ok).toBe(false);
    const found = report.checks
      .filter((c) => c.status !== "ok")
      .map((c) => `${c.status}:${c.code}:${c.path}`);
    expect(found).toEqual(
      expect.arrayContaining([
        "error:workspace_link_escapes:millrace-agents/runs",
        "error:workspace_link_escapes:millrace-agents/historylog.md",
        "error:workspace_link_escapes:ideas/inbox/x.md",
        "error:workspace_link_escapes:millrace-agents/tasks/done/t.md",
        "warning:watched_entry_not_regular:millrace-agents/state/mailbox/incoming/p.json",
      ]),
    );
  });

  it("a clean workspace has no findings", () => {
    const paths = fresh();
    expect(findEscapingLinks(paths)).toEqual([]);
    expect(runDoctor(paths).checks.find((c) => c.code === "workspace_links")?.status).toBe("ok");
  });
});
