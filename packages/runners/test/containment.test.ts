import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StageProcessRecord } from "@millrace/contracts";
import { afterEach, describe, expect, it } from "vitest";
import {
  reapOrphanedStageProcesses,
  runArtifactPaths,
  scrubRunArtifacts,
  stageProcessRecordDir,
  stageSecrets,
  startProcess,
} from "../src/index.js";
import {
  cgroupPids,
  isStageCgroupPath,
  overrideCgroupParent,
  stageCgroupParent,
  sweepAbandonedStageCgroups,
} from "../src/process/containment/cgroup.js";
import { overrideSetpriv, setprivPath } from "../src/process/containment/wrapper.js";
import { readProcStartTime } from "../src/process/proc-scan.js";
import { createStageFixture, fakeRunnerConfig } from "../src/testing/index.js";
import { livePidsWithArg, runFiles, uniqueTag } from "./helpers.js";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "millrace-contain-"));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const CGROUPS = stageCgroupParent() !== null;
// Without a writable cgroup v2 the `setsid env -i` escape cannot be caught (documented limit): those tests skip.

function workspace() {
  const root = tmp();
  const runtimeRoot = path.join(root, "millrace-agents");
  const runDir = path.join(runtimeRoot, "runs", "run-1");
  mkdirSync(runDir, { recursive: true });
  return { root, runtimeRoot, runDir };
}

const records = (runtimeRoot: string) => {
  const dir = stageProcessRecordDir(runtimeRoot);
  return existsSync(dir) ? readdirSync(dir) : [];
};

async function waitFor(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

/**
 * Removes a test's own cgroup once the kernel lets go of it: a killed member leaves it busy
 * (EBUSY) until the process is fully gone, which under load can be a moment after it stopped
 * showing in /proc.
 */
async function removeCgroupWhenFree(dir: string): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EBUSY" || Date.now() > end) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const alive = (tags: readonly string[]) => tags.flatMap((tag) => livePidsWithArg(tag));

afterEach(() => {
  overrideCgroupParent(undefined);
  overrideSetpriv(undefined);
});

describe("stage containment at stage end", () => {
  it.skipIf(!CGROUPS)(
    "kills setsid and `setsid env -i` double-forks that keep the output pipes open (cgroup)",
    async () => {
      const ws = workspace();
      const tags = [uniqueTag(), uniqueTag()];
      const started = Date.now();
      const run = startProcess({
        command: "/bin/sh",
        args: ["-c", `setsid sleep ${tags[0]} & setsid env -i sleep ${tags[1]} & sleep 0.2; exit 0`],
        cwd: ws.root,
        env,
        stdin: { kind: "closed" },
        timeoutMs: 20_000,
        stderrPath: path.join(ws.runDir, "err"),
        containment: { runtimeRoot: ws.runtimeRoot, runDir: ws.runDir },
      });
      const outcome = await run.outcome;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(outcome.exitCode).toBe(0);
      expect(outcome.leakedKilled.length).toBeGreaterThanOrEqual(2);
      expect(alive(tags)).toEqual([]);
      expect(records(ws.runtimeRoot)).toEqual([]);
      expect(readdirSync(stageCgroupParent() as string).filter((n) => n.includes(run.tag))).toEqual([]);
    },
  );

  it("without a cgroup, still kills a setsid escapee that kept the stage tag", async () => {
    overrideCgroupParent(null);
    const ws = workspace();
    const tag = uniqueTag();
    const run = startProcess({
      command: "/bin/sh",
      args: ["-c", `setsid sleep ${tag} </dev/null >/dev/null 2>&1 & exit 0`],
      cwd: ws.root,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 20_000,
      stderrPath: path.join(ws.runDir, "err"),
      containment: { runtimeRoot: ws.runtimeRoot, runDir: ws.runDir },
    });
    await run.outcome;
    expect(await waitFor(() => alive([tag]).length === 0, 2_000)).toBe(true);
    expect(records(ws.runtimeRoot)).toEqual([]);
  });

  it("records the spawn before it runs and completes the record with the child's identity", async () => {
    const ws = workspace();
    const run = startProcess({
      command: "sleep",
      args: [uniqueTag()],
      cwd: ws.root,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 20_000,
      killGraceMs: 200,
      stderrPath: path.join(ws.runDir, "err"),
      containment: { runtimeRoot: ws.runtimeRoot, runDir: ws.runDir },
    });
    const file = path.join(stageProcessRecordDir(ws.runtimeRoot), `${run.tag}.json`);
    const record = JSON.parse(readFileSync(file, "utf8")) as StageProcessRecord;
    expect(record).toMatchObject({
      tag: run.tag,
      run_dir: ws.runDir,
      daemon_pid: process.pid,
      daemon_start_time: readProcStartTime(process.pid),
      child_pid: run.pid,
      child_pgid: run.pid,
      parent_death_signal: setprivPath() !== null,
    });
    expect(record.child_start_time).toBe(readProcStartTime(run.pid as number));
    if (CGROUPS) {
      expect(record.cgroup_path).toBe(path.join(stageCgroupParent() as string, `stage-${run.tag}`));
      // The wrapper joins the cgroup right after exec, before the agent can fork.
      expect(await waitFor(() => cgroupPids(record.cgroup_path as string).join() === String(run.pid))).toBe(
        true,
      );
    } else {
      expect(record.cgroup_path).toBeNull();
    }
    run.stop("requested");
    await run.outcome;
    expect(existsSync(file)).toBe(false);
  });

  it("refuses to start a stage whose record cannot be written, leaving no cgroup behind", () => {
    const ws = workspace();
    writeFileSync(path.join(ws.runtimeRoot, "state"), "not a folder");
    const tag = uniqueTag();
    // A private parent: other test files create stage cgroups in the shared one meanwhile.
    const privateParent = CGROUPS ? path.join(stageCgroupParent() as string, `test-${process.pid}`) : null;
    if (privateParent) {
      mkdirSync(privateParent, { recursive: true });
      overrideCgroupParent(privateParent);
    }
    expect(() =>
      startProcess({
        command: "sleep",
        args: [tag],
        cwd: ws.root,
        env,
        stdin: { kind: "closed" },
        timeoutMs: 20_000,
        stderrPath: path.join(ws.runDir, "err"),
        containment: { runtimeRoot: ws.runtimeRoot, runDir: ws.runDir },
      }),
    ).toThrow(/cannot record the stage process before starting it/);
    expect(alive([tag])).toEqual([]);
    if (privateParent) {
      expect(readdirSync(privateParent).filter((n) => n.startsWith("stage-"))).toEqual([]);
      rmdirSync(privateParent);
    }
  });

  it("leaves the cgroup out when the caller opts out of it", async () => {
    const ws = workspace();
    const run = startProcess({
      command: "sleep",
      args: [uniqueTag()],
      cwd: ws.root,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 20_000,
      killGraceMs: 200,
      stderrPath: path.join(ws.runDir, "err"),
      containment: { runtimeRoot: ws.runtimeRoot, runDir: ws.runDir, cgroup: false },
    });
    const file = path.join(stageProcessRecordDir(ws.runtimeRoot), `${run.tag}.json`);
    const record = JSON.parse(readFileSync(file, "utf8")) as StageProcessRecord;
    expect(record.cgroup_path).toBeNull();
    expect(record.parent_death_signal).toBe(setprivPath() !== null);
    run.stop("requested");
    await run.outcome;
    expect(existsSync(file)).toBe(false);
  });

  it("runs the agent unwrapped, as before, when neither setpriv nor cgroups exist", async () => {
    overrideCgroupParent(null);
    overrideSetpriv(null);
    const ws = workspace();
    const run = startProcess({
      command: process.execPath,
      args: [
        "-e",
        "process.stdout.write(process.argv0 + ' ' + (process.env.MILLRACE_STAGE_PROCESS_TAG ?? ''))",
      ],
      cwd: ws.root,
      env,
      stdin: { kind: "closed" },
      timeoutMs: 20_000,
      stdoutPath: path.join(ws.runDir, "out"),
      stderrPath: path.join(ws.runDir, "err"),
      containment: { runtimeRoot: ws.runtimeRoot, runDir: ws.runDir },
    });
    await run.outcome;
    expect(readFileSync(path.join(ws.runDir, "out"), "utf8")).toBe(`${process.execPath} ${run.tag}`);
    expect(records(ws.runtimeRoot)).toEqual([]);
  });
});

const DAEMON = fileURLToPath(new URL("./fixtures/stage-daemon.mjs", import.meta.url));
const AGENT = fileURLToPath(new URL("./fixtures/escaping-agent.sh", import.meta.url));

describe("reapOrphanedStageProcesses", () => {
  it("leaves the record of a live daemon alone", async () => {
    const ws = workspace();
    const tag = "ab".repeat(12);
    const record: StageProcessRecord = {
      schema_version: "1.0",
      kind: "stage_process",
      tag,
      run_dir: ws.runDir,
      daemon_pid: process.pid,
      daemon_start_time: readProcStartTime(process.pid) as string,
      child_pid: null,
      child_pgid: null,
      child_start_time: null,
      cgroup_path: null,
      parent_death_signal: false,
      recorded_at: "2026-01-01T00:00:00Z",
    };
    mkdirSync(stageProcessRecordDir(ws.runtimeRoot), { recursive: true });
    writeFileSync(path.join(stageProcessRecordDir(ws.runtimeRoot), `${tag}.json`), JSON.stringify(record));
    const report = await reapOrphanedStageProcesses(ws.runtimeRoot);
    expect(report).toEqual({ reaped: [], live: [tag], rejected: [] });
    expect(records(ws.runtimeRoot)).toEqual([`${tag}.json`]);
  });

  it("never kills a live unrelated process whose pid a record names with another start time (pid reuse)", async () => {
    const ws = workspace();
    const marker = uniqueTag();
    const unrelated = spawn("sleep", [marker], { detached: true, stdio: "ignore" });
    try {
      const pid = unrelated.pid as number;
      await waitFor(() => readProcStartTime(pid) !== undefined);
      const tag = "cd".repeat(12);
      const record: StageProcessRecord = {
        schema_version: "1.0",
        kind: "stage_process",
        tag,
        run_dir: ws.runDir,
        daemon_pid: pid,
        daemon_start_time: "1",
        child_pid: pid,
        child_pgid: pid,
        child_start_time: "2",
        cgroup_path: null,
        parent_death_signal: true,
        recorded_at: "2026-01-01T00:00:00Z",
      };
      mkdirSync(stageProcessRecordDir(ws.runtimeRoot), { recursive: true });
      writeFileSync(path.join(stageProcessRecordDir(ws.runtimeRoot), `${tag}.json`), JSON.stringify(record));
      const report = await reapOrphanedStageProcesses(ws.runtimeRoot);
      expect(report.reaped).toEqual([{ tag, runDir: ws.runDir, daemonPid: pid, killed: [], survivors: [] }]);
      expect(livePidsWithArg(marker)).toEqual([pid]);
      expect(records(ws.runtimeRoot)).toEqual([]);
    } finally {
      unrelated.kill("SIGKILL");
    }
  });

  it("sets aside an invalid record and reports why, killing nothing", async () => {
    const ws = workspace();
    const dir = stageProcessRecordDir(ws.runtimeRoot);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${"ef".repeat(12)}.json`), "{ not json");
    writeFileSync(path.join(dir, "other.json"), JSON.stringify({ kind: "stage_process" }));
    const report = await reapOrphanedStageProcesses(ws.runtimeRoot);
    expect(report.reaped).toEqual([]);
    expect(report.rejected.map((r) => path.basename(r.file))).toEqual([
      `${"ef".repeat(12)}.json`,
      "other.json",
    ]);
    expect(report.rejected[0]?.reason).toMatch(/^unreadable: /);
    expect(report.rejected[1]?.reason).toMatch(/^invalid: /);
    expect(readdirSync(dir).sort()).toEqual([`${"ef".repeat(12)}.json.invalid`, "other.json.invalid"]);
  });

  it("answers with nothing when there is no record folder", async () => {
    expect(await reapOrphanedStageProcesses(workspace().runtimeRoot)).toEqual({
      reaped: [],
      live: [],
      rejected: [],
    });
  });

  it.skipIf(!CGROUPS)(
    "never kills a cgroup a record names that is not a stage cgroup of that tag",
    async () => {
      const ws = workspace();
      const parent = stageCgroupParent() as string;
      const tag = "12".repeat(12);
      const victimDir = path.join(parent, `victim-${process.pid}`);
      mkdirSync(victimDir);
      const marker = uniqueTag();
      const victim = spawn("/bin/sh", ["-c", `echo $$ > ${victimDir}/cgroup.procs; exec sleep ${marker}`], {
        stdio: "ignore",
      });
      try {
        await waitFor(() => livePidsWithArg(marker).length === 1);
        expect(isStageCgroupPath(victimDir, tag)).toBe(false);
        expect(isStageCgroupPath(`${parent}/../millrace/stage-${tag}`, tag)).toBe(false);
        expect(isStageCgroupPath(path.join(parent, `stage-${tag}`), tag)).toBe(true);
        const record: StageProcessRecord = {
          schema_version: "1.0",
          kind: "stage_process",
          tag,
          run_dir: ws.runDir,
          daemon_pid: 4_194_304,
          daemon_start_time: "1",
          child_pid: null,
          child_pgid: null,
          child_start_time: null,
          cgroup_path: victimDir,
          parent_death_signal: false,
          recorded_at: "2026-01-01T00:00:00Z",
        };
        mkdirSync(stageProcessRecordDir(ws.runtimeRoot), { recursive: true });
        writeFileSync(
          path.join(stageProcessRecordDir(ws.runtimeRoot), `${tag}.json`),
          JSON.stringify(record),
        );
        const report = await reapOrphanedStageProcesses(ws.runtimeRoot);
        expect(report.reaped[0]?.killed).toEqual([]);
        expect(livePidsWithArg(marker)).toHaveLength(1);
      } finally {
        victim.kill("SIGKILL");
        await waitFor(() => livePidsWithArg(marker).length === 0);
        await removeCgroupWhenFree(victimDir);
      }
    },
  );
});

describe("a daemon killed mid-stage", () => {
  it("leaves nothing of the stage alive after reapOrphanedStageProcesses, and no secret in the run folder after scrubRunArtifacts", async () => {
    const fx = createStageFixture("builder", { timeout_seconds: 120 });
    const tags = [uniqueTag(), uniqueTag(), uniqueTag(), uniqueTag()];
    const key = `sk-test-${"Q7x9".repeat(6)}${Date.now()}`;
    const plain = `plain-value-${Date.now()}`;
    const ready = path.join(fx.root, "agent-ready");
    const cfg = fakeRunnerConfig(
      "codex_cli",
      {},
      {
        runners: {
          codex: {
            command: AGENT,
            args: [],
            env: { PLAINVAR: plain, READY_FILE: ready, ESCAPE_TAGS: tags.join(" ") },
          },
        },
      },
    );
    const daemonEnv = { PATH: env.PATH, OPENAI_API_KEY: key };
    const daemon = spawn(
      process.execPath,
      [DAEMON, JSON.stringify({ request: fx.request, config: cfg, root: fx.root })],
      { env: daemonEnv, stdio: "ignore" },
    );
    try {
      expect(await waitFor(() => existsSync(ready), 40_000)).toBe(true);
      expect(alive(tags).length).toBe(4);
      const [recordName] = records(fx.runtimeRoot);
      const record = JSON.parse(
        readFileSync(path.join(stageProcessRecordDir(fx.runtimeRoot), recordName as string), "utf8"),
      ) as StageProcessRecord;
      expect(record.daemon_pid).toBe(daemon.pid);
      expect(record.run_dir).toBe(fx.runDir);

      daemon.kill("SIGKILL");
      await new Promise((resolve) => daemon.once("exit", resolve));
      if (setprivPath()) {
        // The parent-death signal ends the agent itself at once; its escapees wait for the reaper.
        expect(await waitFor(() => alive([tags[3] as string]).length === 0, 3_000)).toBe(true);
      }
      expect(alive(tags.slice(0, 3)).length).toBeGreaterThan(0);

      const report = await reapOrphanedStageProcesses(fx.runtimeRoot);
      expect(report.live).toEqual([]);
      expect(report.reaped).toHaveLength(1);
      expect(report.reaped[0]).toMatchObject({ tag: record.tag, runDir: fx.runDir, survivors: [] });
      const expectGone = CGROUPS ? tags : [tags[0], tags[2], tags[3]];
      expect(alive(expectGone as string[])).toEqual([]);
      expect(records(fx.runtimeRoot)).toEqual([]);
      if (record.cgroup_path) expect(existsSync(record.cgroup_path)).toBe(false);
      if (!CGROUPS) for (const pid of alive(tags)) process.kill(pid, "SIGKILL"); // the documented limit

      // Streamed output was redacted as it was written; the agent's own last-message file was not.
      const stderr = readFileSync(runArtifactPaths(fx.runDir, fx.request.request_id).stderr, "utf8");
      expect(stderr).toContain("[redacted:OPENAI_API_KEY]");
      expect(stderr).toContain("[redacted:PLAINVAR]");
      expect(stderr).not.toContain(key);
      const before = [...runFiles(fx.runDir).values()].some(
        (text) => text.includes(key) || text.includes(plain),
      );
      expect(before).toBe(true);

      const changed = scrubRunArtifacts(fx.runDir, stageSecrets(daemonEnv, cfg));
      expect(changed.length).toBeGreaterThan(0);
      for (const [file, text] of runFiles(fx.runDir)) {
        expect(text.includes(key), file).toBe(false);
        expect(text.includes(plain), file).toBe(false);
      }
    } finally {
      daemon.kill("SIGKILL");
      // Whatever failed above, the stage's escapees must not outlive the test.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await reapOrphanedStageProcesses(fx.runtimeRoot);
      for (const pid of alive(tags)) process.kill(pid, "SIGKILL");
    }
  }, 60_000);
});

describe("abandoned stage cgroups", () => {
  it.skipIf(!CGROUPS)("removes only empty stage cgroups older than ten minutes", () => {
    // A private parent: the shared one holds stages other tests are running right now.
    const parent = path.join(stageCgroupParent() as string, `sweep-${process.pid}`);
    const dir = path.join(parent, `stage-${"9f".repeat(12)}`);
    mkdirSync(dir, { recursive: true });
    try {
      expect(sweepAbandonedStageCgroups(parent, Date.now())).not.toContain(dir);
      expect(existsSync(dir)).toBe(true);
      expect(sweepAbandonedStageCgroups(parent, Date.now() + 11 * 60 * 1000)).toContain(dir);
      expect(existsSync(dir)).toBe(false);
    } finally {
      if (existsSync(dir)) rmdirSync(dir);
      rmdirSync(parent);
    }
  });
});
