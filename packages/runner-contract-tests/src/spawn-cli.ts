// Runs a real CLI as its own process group with a hard deadline, so a hung agent never outlives the
// test and its tool children go with it.
import { type ChildProcess, spawn } from "node:child_process";

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** stdout split into JSON lines; non-JSON lines are skipped. */
  events: Record<string, unknown>[];
}

export interface CliRunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Written to stdin, then stdin is closed. */
  stdin?: string;
  timeoutMs: number;
}

export function parseJsonLines(text: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.replace(/\r$/, "").trim();
    if (!trimmed.startsWith("{")) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        events.push(value as Record<string, unknown>);
      }
    } catch {}
  }
  return events;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {}
}

/** What every harness run watches on its child: stderr, and the hard deadline that kills the group. */
export interface GroupWatch {
  readonly stderr: () => string;
  readonly timedOut: () => boolean;
  /** Disarms the deadline; call once the child has closed. */
  readonly settle: () => void;
}

/** Spawns `argv` as the leader of its own process group, with piped stdio. */
export function spawnGroup(
  argv: string[],
  options: { cwd: string; env: Record<string, string> },
): ChildProcess & {
  stdin: NonNullable<ChildProcess["stdin"]>;
  stdout: NonNullable<ChildProcess["stdout"]>;
  stderr: NonNullable<ChildProcess["stderr"]>;
} {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error("spawnGroup: empty argv");
  return spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
}

/** Collects stderr and arms the deadline: SIGTERM to the group at `timeoutMs`, SIGKILL 5 s later. */
export function watchGroup(
  child: ChildProcess,
  timeoutMs: number,
  reject: (error: Error) => void,
): GroupWatch {
  let stderr = "";
  let timedOut = false;
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, "SIGTERM");
    setTimeout(() => killGroup(child, "SIGKILL"), 5_000).unref();
  }, timeoutMs);
  child.on("error", (error) => {
    clearTimeout(timer);
    reject(error);
  });
  return { stderr: () => stderr, timedOut: () => timedOut, settle: () => clearTimeout(timer) };
}

export function runCli(argv: string[], options: CliRunOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(argv, options);
    const watch = watchGroup(child, options.timeoutMs, reject);
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("close", (code, signal) => {
      watch.settle();
      resolve({
        code,
        signal,
        stdout,
        stderr: watch.stderr(),
        timedOut: watch.timedOut(),
        events: parseJsonLines(stdout),
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.stdin ?? "");
  });
}

/** Describes a finished run for assertion messages: exit, and the tail of stderr and stdout. */
export function describeRun(run: CliRun): string {
  const tail = (text: string) => text.split("\n").slice(-30).join("\n");
  return [
    `exit code ${run.code} signal ${run.signal}${run.timedOut ? " (timed out)" : ""}`,
    `--- stderr (tail) ---\n${tail(run.stderr)}`,
    `--- stdout (tail) ---\n${tail(run.stdout)}`,
  ].join("\n");
}
