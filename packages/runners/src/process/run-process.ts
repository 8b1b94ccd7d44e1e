import { randomBytes } from "node:crypto";
import { closeSync, openSync, writeSync } from "node:fs";
import { execa } from "execa";
import { StreamRedactor } from "../secrets/stream-redactor.js";
import { type ContainmentTarget, openStageContainment } from "./containment/stage-containment.js";
import { LineSplitter } from "./line-splitter.js";
import {
  descendantsOf,
  hasProcFs,
  ownProcessGroup,
  type ProcStat,
  processesWithEnvTag,
  readProcStartTime,
  readProcStat,
} from "./proc-scan.js";

/** The environment variable every stage process inherits so leaked descendants can be found. */
export const STAGE_TAG_ENV = "MILLRACE_STAGE_PROCESS_TAG";

export type StdinPlan =
  /** Write this text, then close stdin (Codex, Claude, the scripted subprocess). */
  | { readonly kind: "text"; readonly text: string }
  /** Keep stdin open; the caller writes and closes it (Pi RPC). */
  | { readonly kind: "pipe" }
  /** Give the child an already-closed stdin. */
  | { readonly kind: "closed" };

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The complete environment (nothing is inherited implicitly). */
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: StdinPlan;
  /** Wall-clock deadline; SIGTERM to the group when it passes. */
  readonly timeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number;
  /** Raw stdout goes here (created/truncated); omitted → not kept on disk. */
  readonly stdoutPath?: string;
  readonly stderrPath: string;
  /** Bytes kept per stream; beyond it output is dropped and the run is stopped. */
  readonly maxStdoutBytes?: number;
  readonly maxStderrBytes?: number;
  readonly onStdoutLine?: (line: string) => void;
  /** Aborting stops the process like a timeout, reported as interrupted. */
  readonly signal?: AbortSignal;
  /**
   * A stage process: recorded in `<runtimeRoot>/state/stage_processes/<tag>.json` before the spawn,
   * run in its own cgroup and with a parent-death signal where the platform allows. Omitted (version
   * probes): a plain process group.
   */
  readonly containment?: ContainmentTarget;
  /** Values redacted from the output files as they are written (value → label). */
  readonly secrets?: ReadonlyMap<string, string>;
}

export type StopReason = "timeout" | "interrupted" | "output_limit" | "requested";

export interface ProcessOutcome {
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Why we stopped the process, or null when it exited by itself. */
  readonly stopReason: StopReason | null;
  readonly stopDetail: string | null;
  readonly spawnError: { readonly code: string; readonly message: string } | null;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  /** Pids of leftover stage processes that were killed after the main process ended. */
  readonly leakedKilled: readonly number[];
  /** Whether SIGKILL was needed after the grace period. */
  readonly hardKilled: boolean;
}

export interface RunningProcess {
  readonly pid: number | undefined;
  readonly tag: string;
  writeStdin(text: string): boolean;
  endStdin(): void;
  /** Stop the process tree now (SIGTERM, grace, SIGKILL); the outcome records the reason. */
  stop(reason: StopReason, detail?: string): void;
  readonly outcome: Promise<ProcessOutcome>;
}

const DEFAULT_GRACE_MS = 5_000;
const DEFAULT_MAX_STDOUT = 256 * 1024 * 1024;
const DEFAULT_MAX_STDERR = 16 * 1024 * 1024;
const TRACK_INTERVAL_MS = 1_000;

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (pgid <= 1 || pgid === ownProcessGroup()) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 1 || pid === process.pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** One captured stream: capped by raw bytes, redacted (when secrets are given) on its way to disk. */
class OutputFile {
  private fd: number | undefined;
  private readonly redactor: StreamRedactor | undefined;
  bytes = 0;
  truncated = false;

  constructor(
    file: string | undefined,
    private readonly cap: number,
    secrets: ReadonlyMap<string, string> | undefined,
  ) {
    if (file) this.fd = openSync(file, "w", 0o644);
    if (this.fd !== undefined && secrets && secrets.size > 0) {
      const fd = this.fd;
      this.redactor = new StreamRedactor(secrets, (bytes) => {
        writeSync(fd, bytes);
      });
    }
  }

  /** Returns false once the cap is exceeded. */
  write(chunk: Buffer): boolean {
    const room = this.cap - this.bytes;
    if (room <= 0) {
      this.truncated = true;
      return false;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (this.redactor) this.redactor.push(part);
    else if (this.fd !== undefined) writeSync(this.fd, part);
    this.bytes += part.length;
    if (chunk.length > room) {
      this.truncated = true;
      return false;
    }
    return true;
  }

  close(): void {
    this.redactor?.end();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

// Over 80 lines: the deadline, the tracker and the stop path share the child's state in one closure;
// containment, the output files and the leftover reaper are modules of their own.
/**
 * Starts one stage process: its own process group (detached), an argument array (never a shell),
 * an explicit stdin plan, capped output files, a wall-clock deadline. Stopping sends SIGTERM to the
 * group, then SIGKILL after the grace period, then kills every leftover process of the stage:
 * descendants seen while it ran (by PPID) and anything still carrying the stage's environment tag.
 */
export function startProcess(spec: ProcessSpec): RunningProcess {
  const tag = randomBytes(12).toString("hex");
  const startedAt = new Date();
  const stdout = new OutputFile(spec.stdoutPath, spec.maxStdoutBytes ?? DEFAULT_MAX_STDOUT, spec.secrets);
  const stderr = new OutputFile(spec.stderrPath, spec.maxStderrBytes ?? DEFAULT_MAX_STDERR, spec.secrets);
  const graceMs = spec.killGraceMs ?? DEFAULT_GRACE_MS;
  const procFs = hasProcFs();
  const containment = openStageContainment(tag, spec, spec.containment);

  const child = execa(containment.command, [...containment.args], {
    cwd: spec.cwd,
    env: { ...spec.env, [STAGE_TAG_ENV]: tag },
    extendEnv: false,
    detached: true,
    shell: false,
    stdin: spec.stdin.kind === "closed" ? "ignore" : "pipe",
    stdout: "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    cleanup: true,
    stripFinalNewline: false,
    windowsHide: true,
  });
  const pid = child.pid;
  containment.spawned(pid);
  const startTicks = procFs && pid !== undefined ? Number(readProcStartTime(pid) ?? Number.NaN) : Number.NaN;
  child.stdin?.on("error", () => {
    // EPIPE when the child exits without reading stdin: the outcome reports the exit instead.
  });

  let stopReason: StopReason | null = null;
  let stopDetail: string | null = null;
  let exited = false;
  let hardKilled = false;
  const known = new Map<number, ProcStat>();
  const remember = () => {
    if (!procFs || pid === undefined || exited) return;
    for (const entry of descendantsOf(pid)) known.set(entry.pid, entry);
  };

  const splitter = spec.onStdoutLine ? new LineSplitter(spec.onStdoutLine) : undefined;
  child.stdout?.on("data", (chunk: Buffer) => {
    if (!stdout.write(chunk)) stop("output_limit", `stdout exceeded ${stdout.bytes} bytes`);
    splitter?.push(chunk);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    if (!stderr.write(chunk)) stop("output_limit", `stderr exceeded ${stderr.bytes} bytes`);
  });

  let killTimer: NodeJS.Timeout | undefined;
  function stop(reason: StopReason, detail?: string): void {
    if (exited || stopReason !== null) return;
    stopReason = reason;
    stopDetail = detail ?? null;
    remember();
    if (pid === undefined) return;
    signalGroup(pid, "SIGTERM");
    for (const entry of known.values()) signalGroup(entry.pgid, "SIGTERM");
    killTimer = setTimeout(() => {
      if (exited) return;
      hardKilled = true;
      remember();
      signalGroup(pid, "SIGKILL");
      signalPid(pid, "SIGKILL");
    }, graceMs);
  }

  const deadline = setTimeout(
    () => stop("timeout", `exceeded ${Math.round(spec.timeoutMs / 100) / 10} s`),
    Math.max(1, spec.timeoutMs),
  );
  const tracker = procFs ? setInterval(remember, TRACK_INTERVAL_MS) : undefined;
  tracker?.unref();
  const onAbort = () => stop("interrupted", "the stage was interrupted");
  if (spec.signal?.aborted) queueMicrotask(onAbort);
  else spec.signal?.addEventListener("abort", onAbort, { once: true });

  if (spec.stdin.kind === "text" && child.stdin) child.stdin.end(spec.stdin.text);

  // When the main process exits, a leftover that inherited stdout/stderr would keep the pipes open
  // (and this promise pending) forever: kill leftovers shortly after the exit so the pipes close.
  let settled = false;
  const earlyKilled: number[] = [];
  child.once("exit", () => {
    setTimeout(() => {
      if (!settled)
        earlyKilled.push(...containment.killCgroup(), ...killLeftovers(pid, tag, known, procFs, startTicks));
    }, 100).unref();
  });

  const outcome = (async (): Promise<ProcessOutcome> => {
    // Give the tracker one look at the tree early, so short-lived parents are still linked.
    setTimeout(remember, 50).unref();
    const result = await child;
    settled = true;
    exited = true;
    clearTimeout(deadline);
    if (killTimer) clearTimeout(killTimer);
    if (tracker) clearInterval(tracker);
    spec.signal?.removeEventListener("abort", onAbort);
    splitter?.end();
    stdout.close();
    stderr.close();

    const lateKilled = [...containment.killCgroup(), ...killLeftovers(pid, tag, known, procFs, startTicks)];
    const leakedKilled = [...new Set([...earlyKilled, ...lateKilled])]
      .filter((leaked) => leaked !== pid)
      .sort((a, b) => a - b);
    await containment.settle(leakedKilled);
    const code = (result as { code?: unknown }).code;
    const spawnError =
      pid === undefined || (typeof code === "string" && result.exitCode === undefined && !result.signal)
        ? {
            code: typeof code === "string" ? code : "ESPAWN",
            message: (result as { shortMessage?: string }).shortMessage ?? String(result.message),
          }
        : null;
    return {
      pid,
      exitCode: typeof result.exitCode === "number" ? result.exitCode : null,
      signal: result.signal ?? null,
      stopReason,
      stopDetail,
      spawnError,
      startedAt,
      endedAt: new Date(),
      stdoutBytes: stdout.bytes,
      stderrBytes: stderr.bytes,
      stdoutTruncated: stdout.truncated,
      stderrTruncated: stderr.truncated,
      leakedKilled,
      hardKilled,
    };
  })();

  return {
    pid,
    tag,
    writeStdin(text: string): boolean {
      if (!child.stdin || child.stdin.destroyed || child.stdin.writableEnded) return false;
      return child.stdin.write(text);
    },
    endStdin(): void {
      if (child.stdin && !child.stdin.writableEnded) child.stdin.end();
    },
    stop,
    outcome,
  };
}

/**
 * After the main process is gone: SIGKILL its group, the groups of descendants seen while it ran,
 * and every process still carrying the stage tag (with its group). Returns the pids found alive.
 */
function killLeftovers(
  pid: number | undefined,
  tag: string,
  known: ReadonlyMap<number, ProcStat>,
  procFs: boolean,
  startTicks: number,
): number[] {
  if (pid === undefined) return [];
  signalGroup(pid, "SIGKILL");
  if (!procFs) return [];
  const alive = new Map<number, ProcStat>();
  for (const entry of known.values()) {
    const now = readProcStat(entry.pid);
    // A recycled pid would have a different parent chain; only trust same-group matches.
    if (now && (now.pgid === entry.pgid || now.sid === entry.sid)) alive.set(now.pid, now);
  }
  for (const entry of processesWithEnvTag(
    STAGE_TAG_ENV,
    tag,
    Number.isNaN(startTicks) ? undefined : startTicks,
  ))
    alive.set(entry.pid, entry);
  if (alive.size === 0) return [];
  for (const entry of alive.values()) {
    signalGroup(entry.pgid, "SIGKILL");
    signalPid(entry.pid, "SIGKILL");
  }
  // Leftovers may have forked while we killed them; their children carry the tag too (unless they
  // cleared their environment), so a second pass catches them, looking twice at any process caught
  // mid-exec.
  for (const entry of processesWithEnvTag(STAGE_TAG_ENV, tag)) {
    signalGroup(entry.pgid, "SIGKILL");
    signalPid(entry.pid, "SIGKILL");
    alive.set(entry.pid, entry);
  }
  return [...alive.keys()].sort((a, b) => a - b);
}
