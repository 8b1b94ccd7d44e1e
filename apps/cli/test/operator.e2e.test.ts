// Issue 14, "a CLI that behaves like one": --version, workspace discovery, ids as printed, signal
// exit statuses, the runs/queue listings, `runs tail --follow`, `status watch` on a terminal, fish
// and id completion, and init's .gitignore. Every case drives the built binary.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runCli, tempDir, waitFor } from "./helpers.js";

const ESCAPE = /\u001b\[/;
const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
const hasGit = spawnSync("git", ["--version"], { encoding: "utf8" }).status === 0;
const version = (
  JSON.parse(readFileSync(path.resolve(path.dirname(CLI_BIN), "..", "package.json"), "utf8")) as {
    version: string;
  }
).version;

/** Starts the CLI in the background, collecting its output. */
function background(args: string[], cwd: string) {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => {
    output.stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

let demo = "";
let runIds: string[] = [];

beforeAll(() => {
  demo = path.join(tempDir("millrace-operator-"), "demo");
  const made = runCli(["demo", demo]);
  expect(made.status, made.stderr).toBe(0);
  const listing = runCli(["runs", "ls", "--json", "-w", demo]).json<{ runs: Array<{ run_id: string }> }>();
  runIds = listing.runs.map((run) => run.run_id);
  expect(runIds.length).toBeGreaterThanOrEqual(5);
}, 120_000);

describe("millrace --version / -v", () => {
  it("prints the version like `millrace version`, with --json too", () => {
    for (const flag of ["--version", "-v"]) {
      const run = runCli([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`millrace ${version}\n`);
      expect(run.stderr).toBe("");
    }
    expect(runCli(["--version", "--json"]).json()).toEqual(runCli(["version", "--json"]).json());
  });

  it("is a usage error after a command, where it means nothing", () => {
    const run = runCli(["status", "--version"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^error: Unknown argument: version\nhint: /);
  });
});

describe("workspace discovery", () => {
  it("finds the workspace from a nested folder, as git does; --workspace still wins", () => {
    const tasks = path.join(demo, "millrace-agents", "tasks");
    const status = runCli(["status"], { cwd: tasks });
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toContain(`workspace: ${demo}\n`);
    const json = runCli(["status", "--json"], { cwd: tasks }).json<{ workspace: string }>();
    expect(json.workspace).toBe(demo);
    const src = path.join(demo, "src", "deep");
    mkdirSync(src, { recursive: true });
    expect(runCli(["queue", "ls", "--summary"], { cwd: src }).status).toBe(0);
    expect(runCli(["runs", "ls"], { cwd: src }).stdout).toMatch(/^RUN /);
    const other = tempDir("millrace-operator-other-");
    const wins = runCli(["status", "-w", other], { cwd: tasks });
    expect(wins.status).toBe(3);
    expect(wins.stderr).toContain(`error: ${other} is not an initialized Millrace workspace`);
  });

  it("outside any workspace names the current folder; init never climbs to a parent workspace", () => {
    const lonely = tempDir("millrace-operator-lonely-");
    const run = runCli(["status"], { cwd: lonely });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain(`error: ${lonely} is not an initialized Millrace workspace`);
    const outer = path.join(tempDir("millrace-operator-outer-"), "ws");
    expect(runCli(["init", outer]).status).toBe(0);
    const inner = path.join(outer, "packages", "app");
    mkdirSync(inner, { recursive: true });
    const init = runCli(["init"], { cwd: inner });
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain(`workspace: ${inner}\n`);
  });
});

describe("run ids as printed", () => {
  it("accepts latest, the full id, the id without run-, and short prefixes of both", () => {
    const newest = runIds[runIds.length - 1] as string;
    const bare = newest.slice(4);
    for (const ref of ["latest", newest, bare, bare.slice(0, 8), `run-${bare.slice(0, 8)}`]) {
      const show = runCli(["runs", "show", ref, "--json", "-w", demo]);
      expect(show.status, `${ref}: ${show.stderr}`).toBe(0);
      expect(show.json<{ run: { run_id: string } }>().run.run_id).toBe(newest);
    }
    const tail = runCli(["runs", "tail", bare.slice(0, 8), "-w", demo]);
    expect(tail.status).toBe(0);
    expect(tail.stdout).toContain(newest);
    const trace = runCli(["runs", "trace", "latest", "--json", "-w", demo]);
    expect(trace.json<{ run_id: string }>().run_id).toBe(newest);
  });

  it("an ambiguous prefix is a usage error (exit 2) naming the candidates; unknown stays not found", () => {
    const ambiguous = runCli(["runs", "show", "run-", "-w", demo]);
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toMatch(
      /^error: run id prefix "run-" is ambiguous: it matches run-[0-9a-f]{32}, /,
    );
    expect(ambiguous.stderr).toContain("hint: Type more of the id");
    const json = runCli(["runs", "show", "run-", "--json", "-w", demo]);
    const error = json.json<{ error: { code: string; details: { candidates: string[] } } }>().error;
    expect(error.code).toBe("usage_invalid_argument");
    expect([...error.details.candidates].sort()).toEqual([...runIds].sort());
    const missing = runCli(["runs", "show", "ffffffffff", "-w", demo]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      "error: run not found: ffffffffff\nhint: `millrace runs ls` lists the runs of this workspace.\n",
    );
    const empty = path.join(tempDir("millrace-operator-"), "ws");
    runCli(["init", empty]);
    const none = runCli(["runs", "show", "latest", "-w", empty]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^error: no runs yet: `latest` names nothing\nhint: /);
  });
});

describe("runs ls", () => {
  it("is a table, newest first; --limit keeps the newest N; --status and --item filter", () => {
    const all = runCli(["runs", "ls", "-w", demo]).stdout.trimEnd().split("\n");
    expect(all).toHaveLength(runIds.length + 1);
    const shown = all.slice(1).map((row) => row.split(" ")[0]);
    expect(shown).toEqual([...runIds].reverse().map((id) => id.slice(4, 12)));
    const limited = runCli(["runs", "ls", "--limit", "2", "-w", demo]).stdout.trimEnd().split("\n");
    const squeeze = (rows: string[]) => rows.map((row) => row.replace(/ +/g, " "));
    // Columns are as wide as their widest cell, so compare the cells.
    expect(squeeze(limited.slice(1, 3))).toEqual(squeeze(all.slice(1, 3)));
    expect(limited[3]).toBe(`shown: 2 of ${runIds.length} runs (--offset 2 the next page)`);
    expect(limited).toHaveLength(4);
    const json = runCli(["runs", "ls", "--limit", "2", "--json", "-w", demo]).json<{
      runs: Array<{ run_id: string; work_item_id: string | null }>;
    }>();
    expect(json.runs.map((run) => run.run_id)).toEqual(runIds.slice(-2));
    const item = json.runs[0]?.work_item_id as string;
    const byItem = runCli(["runs", "ls", "--item", item, "--json", "-w", demo]).json<{
      runs: Array<{ work_item_id: string }>;
    }>();
    expect(byItem.runs.length).toBeGreaterThan(0);
    expect(byItem.runs.every((run) => run.work_item_id === item)).toBe(true);
    expect(runCli(["runs", "ls", "--status", "malformed", "-w", demo]).stdout).toBe("runs: none\n");
    const valid = runCli(["runs", "ls", "--status", "valid", "-w", demo]).stdout.trimEnd().split("\n");
    expect(valid).toHaveLength(runIds.length + 1);
  });

  it("refuses a bad --limit and listing filters on other actions (exit 2)", () => {
    for (const args of [
      ["runs", "ls", "--limit", "0"],
      ["runs", "ls", "--limit", "1.5"],
      ["runs", "show", "latest", "--limit", "2"],
      ["runs", "show", "latest", "--follow"],
    ]) {
      const run = runCli([...args, "-w", demo]);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^error: .*\nhint: /);
      expect(run.stdout).toBe("");
    }
  });
});

describe("runs tail --follow", () => {
  it("prints lines appended after it started, and exits 130 on Ctrl-C", async () => {
    const first = runCli(["runs", "tail", "latest", "--json", "-w", demo]).json<{ path: string }>();
    const file = path.join(demo, first.path);
    const tail = background(["runs", "tail", "latest", "--follow", "-w", demo], demo);
    await waitFor(() => tail.output.stdout.includes("==> "), 20_000);
    appendFileSync(file, "appended line one\nappended line two\n");
    await waitFor(() => tail.output.stdout.includes("appended line two\n"), 20_000);
    tail.child.kill("SIGINT");
    expect(await tail.exited).toBe(130);
    expect(tail.output.stdout.indexOf("appended line one")).toBeGreaterThan(
      tail.output.stdout.indexOf("==> "),
    );
    expect(tail.output.stderr).toBe("");
  }, 60_000);

  it("has no --json form (exit 2)", () => {
    const run = runCli(["runs", "tail", "latest", "--follow", "--json", "-w", demo]);
    expect(run.status).toBe(2);
  });
});

describe("signals", () => {
  for (const [signal, status] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`a daemon stops cleanly on ${signal} and exits ${status}`, async () => {
      const root = path.join(tempDir("millrace-operator-sig-"), "ws");
      expect(runCli(["init", root]).status).toBe(0);
      // A runner that can run (the scripted one), so `run` does not refuse before the signal.
      const rt = path.join(root, "millrace-agents");
      writeFileSync(
        path.join(rt, "millrace.toml"),
        '[runtime]\ndefault_mode = "demo"\n\n[runners.scripted]\nscript = "scripted/ok.json"\n',
      );
      writeFileSync(path.join(rt, "scripted", "ok.json"), JSON.stringify({ rules: [] }));
      const lock = path.join(root, "millrace-agents", "state", "runtime_daemon.lock.json");
      const daemon = background(["run", "daemon", "-w", root], root);
      await waitFor(() => existsSync(lock), 30_000);
      daemon.child.kill(signal);
      expect(await daemon.exited).toBe(status);
      expect(daemon.output.stdout).toContain("stop_reason: interrupted\ninterrupted: true\n");
      expect(existsSync(lock)).toBe(false);
    }, 60_000);
  }

  it("status watch without --max-updates exits 130 on Ctrl-C", async () => {
    const watch = background(["status", "watch", "--interval-seconds", "0.1", "-w", demo], demo);
    await waitFor(() => watch.output.stdout.includes("updated_at:"), 20_000);
    watch.child.kill("SIGINT");
    expect(await watch.exited).toBe(130);
  }, 30_000);
});

describe("status watch", () => {
  it("appends plain, blank-line separated blocks when piped", () => {
    const run = runCli(["status", "watch", "--max-updates", "3", "--interval-seconds", "0", "-w", demo]);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(ESCAPE);
    expect(run.stdout.split("\n\n")).toHaveLength(3);
    expect(run.stdout.match(/^workspace: /gm)).toHaveLength(3);
  });

  it.skipIf(!hasScript)("redraws in place on a pseudo-terminal, in colour unless NO_COLOR", () => {
    const command = `"${process.execPath}" "${CLI_BIN}" status watch --max-updates 3 --interval-seconds 0 -w "${demo}"`;
    const pty = (env: NodeJS.ProcessEnv) =>
      spawnSync("script", ["-qfc", command, "/dev/null"], {
        encoding: "utf8",
        env: { ...process.env, FORCE_COLOR: undefined, ...env },
        input: "",
      });
    const colour = pty({ NO_COLOR: "" });
    expect(colour.status).toBe(0);
    expect(colour.stdout.split("\u001b[H\u001b[2J")).toHaveLength(4);
    expect(colour.stdout).toContain("update 3 of 3 (Ctrl-C to stop)");
    expect(colour.stdout).toContain("\u001b[36mworkspace\u001b[39m: ");
    const plain = pty({ NO_COLOR: "1" });
    expect(plain.stdout.split("\u001b[H\u001b[2J")).toHaveLength(4);
    expect(plain.stdout.replaceAll("\u001b[H\u001b[2J", "")).not.toMatch(ESCAPE);
  });
});

describe("run daemon on a terminal", () => {
  it.skipIf(!hasScript)(
    "shows a live line per active stage and a line per completed stage; piped, nothing",
    () => {
      const root = path.join(tempDir("millrace-operator-live-"), "ws");
      expect(runCli(["init", root]).status).toBe(0);
      const rt = path.join(root, "millrace-agents");
      writeFileSync(
        path.join(rt, "millrace.toml"),
        '[runtime]\ndefault_mode = "demo"\nidle_sleep_seconds = 0.05\n\n[runners.scripted]\nscript = "scripted/slow.json"\n',
      );
      mkdirSync(path.join(rt, "scripted"), { recursive: true });
      writeFileSync(
        path.join(rt, "scripted", "slow.json"),
        JSON.stringify({
          rules: [
            {
              stage: "builder",
              actions: [
                { type: "sleep", ms: 1500 },
                { type: "marker", token: "BUILDER_COMPLETE" },
              ],
            },
          ],
        }),
      );
      expect(runCli(["add-task", "Live", "--id", "task-live", "-w", root]).status).toBe(0);
      const command = `"${process.execPath}" "${CLI_BIN}" run daemon --until-idle -w "${root}"`;
      const tty = spawnSync("script", ["-qfc", command, "/dev/null"], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
        input: "",
      });
      expect(tty.status).toBe(0);
      const text = tty.stdout.replace(/\r/g, "");
      expect(text).toMatch(/running execution\/builder task:task-live run=[0-9a-f]{8} \d+s tokens=0\n/);
      expect(text).toMatch(
        /done execution\/builder task:task-live run=[0-9a-f]{8} result=BUILDER_COMPLETE \d+\.\ds/,
      );
      expect(text).toContain("\u001b[1F\u001b[J");
      expect(text).toContain("stop_reason: idle\n");
      // Piped, the daemon stays quiet until its summary (use --monitor basic for a log).
      expect(runCli(["add-task", "Again", "--id", "task-again", "-w", root]).status).toBe(0);
      const piped = runCli(["run", "daemon", "--until-idle", "-w", root]);
      expect(piped.stdout).toMatch(/^run_mode: daemon\n/);
      expect(piped.stdout).not.toMatch(ESCAPE);
    },
    60_000,
  );
});

describe("queue ls", () => {
  it("lists the items; --summary prints the counts", () => {
    const root = path.join(tempDir("millrace-operator-q-"), "ws");
    runCli(["init", root]);
    expect(runCli(["queue", "ls", "-w", root]).stdout).toBe("items: none\n");
    runCli(["add-task", "Fix the login", "--id", "task-login", "-w", root]);
    runCli(["add-task", "Tidy docs", "--id", "task-docs", "-w", root]);
    const ls = runCli(["queue", "ls", "-w", root]);
    expect(ls.status).toBe(0);
    expect(ls.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "task  queue  task-docs  Tidy docs",
      "task  queue  task-login  Fix the login",
    ]);
    const summary = runCli(["queue", "ls", "--summary", "-w", root]);
    expect(summary.stdout).toContain("queue_depth_execution: 2\n");
    expect(summary.stdout).not.toContain("task-login");
    expect(runCli(["queue", "ls", "--summary", "--json", "-w", root]).stdout).toBe(
      runCli(["queue", "ls", "--json", "-w", root]).stdout,
    );
  });
});

describe("completion", () => {
  it("prints a fish script, picked from $SHELL too", () => {
    const fish = runCli(["completion", "fish"]);
    expect(fish.status).toBe(0);
    expect(fish.stdout).toContain("complete -c millrace -f -a '(__millrace_complete)'");
    expect(fish.stdout).toContain("--get-yargs-completions");
    expect(runCli(["completion"], { env: { SHELL: "/usr/bin/fish" } }).stdout).toBe(fish.stdout);
  });

  it("completes run ids (and latest) after runs show, in the spelling being typed", () => {
    const ask = (words: string[]) =>
      runCli(["--get-yargs-completions", "millrace", ...words], { cwd: demo })
        .stdout.split("\n")
        .filter(Boolean);
    expect(ask(["runs", "show", ""]).sort()).toEqual(["latest", ...runIds].sort());
    const bare = (runIds[0] as string).slice(4, 10);
    expect(ask(["runs", "tail", bare])).toEqual([(runIds[0] as string).slice(4)]);
    expect(ask(["runs", "trace", "la"])).toEqual(["latest"]);
    // -w wins over the current folder; a folder that is no workspace completes nothing.
    const lonely = tempDir("millrace-operator-lonely-");
    expect(runCli(["--get-yargs-completions", "millrace", "runs", "show", ""], { cwd: lonely }).stdout).toBe(
      "",
    );
    expect(
      runCli(["--get-yargs-completions", "millrace", "-w", demo, "runs", "show", "la"], { cwd: lonely })
        .stdout,
    ).toBe("latest\n");
    // Elsewhere yargs still answers from the commands.
    expect(ask(["ru"])).toEqual(expect.arrayContaining(["runs", "run"]));
  });

  it("completes work item ids after queue show", () => {
    const ask = runCli(["--get-yargs-completions", "millrace", "queue", "show", ""], { cwd: demo });
    const ids = ask.stdout.split("\n").filter(Boolean);
    const listed = runCli(["queue", "ls", "--json", "-w", demo]).json<{ items: Array<{ id: string }> }>();
    expect(ids.sort()).toEqual([...new Set(listed.items.map((item) => item.id))].sort());
  });
});

describe("init's .gitignore", () => {
  it.skipIf(!hasGit)("keeps runtime-owned state out of git and the operator's files in", () => {
    const root = path.join(tempDir("millrace-operator-git-"), "repo");
    mkdirSync(root);
    spawnSync("git", ["init", "-q"], { cwd: root });
    expect(runCli(["init"], { cwd: root }).status).toBe(0);
    expect(runCli(["add-task", "Something", "--id", "task-x"], { cwd: root }).status).toBe(0);
    const runs = path.join(root, "millrace-agents", "runs", "run-0123");
    mkdirSync(runs, { recursive: true });
    writeFileSync(path.join(runs, "out.txt"), "x");
    const listed = spawnSync("git", ["ls-files", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
    })
      .stdout.split("\n")
      .filter(Boolean);
    expect(listed).toContain("millrace-agents/.gitignore");
    expect(listed).toContain("millrace-agents/millrace.toml");
    expect(listed).toContain("millrace-agents/tasks/queue/task-x.md");
    expect(listed).toContain("millrace-agents/state/baseline_manifest.json");
    expect(listed.filter((file) => /^millrace-agents\/(runs|logs)\//.test(file))).toEqual([]);
    expect(listed.filter((file) => file.startsWith("millrace-agents/state/"))).toEqual([
      "millrace-agents/state/baseline_manifest.json",
    ]);
    expect(readdirSync(path.join(root, "millrace-agents", "state")).length).toBeGreaterThan(1);
  });
});
