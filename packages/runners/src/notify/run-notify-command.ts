import { execa } from "execa";

/** How a notification command is run. */
export interface NotifyCommandOptions {
  /** Text written to the command's stdin (the notification JSON), then stdin is closed. */
  readonly input: string;
  /** Stopped (SIGTERM, then SIGKILL a second later) after this long. */
  readonly timeoutMs: number;
  readonly cwd?: string;
  /** The complete environment (default: this process's environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What a notification command did. Never throws: a failure is a value the caller records. */
export interface NotifyCommandResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** The first 4 KiB of each stream. */
  readonly stdout: string;
  readonly stderr: string;
  /** One line: what happened (`exit 0`, `exit 3: <stderr>`, `timed out after 2000 ms`, `cannot start: ...`). */
  readonly detail: string;
}

const KEEP_BYTES = 4096;

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.slice(0, 200) ?? "";
}

/**
 * Runs a configured notification command: an argument array (never a shell), the payload on stdin,
 * a deadline, output captured and capped. Shared by liveness responses and Sentinel notifications.
 */
export async function runNotifyCommand(
  argv: readonly string[],
  options: NotifyCommandOptions,
): Promise<NotifyCommandResult> {
  const [command, ...args] = argv;
  if (!command) {
    return { ok: false, exitCode: null, timedOut: false, stdout: "", stderr: "", detail: "no command given" };
  }
  const result = await execa(command, args, {
    input: options.input,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 1000,
    shell: false,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 1024 * 1024,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    windowsHide: true,
  });
  const stdout = String(result.stdout ?? "").slice(0, KEEP_BYTES);
  const stderr = String(result.stderr ?? "").slice(0, KEEP_BYTES);
  const exitCode = typeof result.exitCode === "number" ? result.exitCode : null;
  let detail: string;
  if (result.timedOut) detail = `timed out after ${options.timeoutMs} ms`;
  else if (result.failed && exitCode === null)
    detail = `cannot start: ${firstLine(result.shortMessage ?? "")}`;
  else detail = `exit ${exitCode}${exitCode !== 0 && stderr ? `: ${firstLine(stderr)}` : ""}`;
  return {
    ok: !result.failed && exitCode === 0,
    exitCode,
    timedOut: Boolean(result.timedOut),
    stdout,
    stderr,
    detail,
  };
}
