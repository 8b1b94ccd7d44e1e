import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

/**
 * The stage wrapper: a few `exec`s, no resident process. `/bin/sh` writes its own pid into the
 * stage cgroup's `cgroup.procs` (so the agent and everything it forks are born inside), then execs
 * `setpriv --pdeathsig SIGKILL`, which makes the kernel SIGKILL the agent the moment the daemon's
 * thread that spawned it dies, then execs the agent. The pid stays the agent's throughout.
 */
const JOIN_CGROUP_SCRIPT = '{ echo $$ > "$0"; } 2>/dev/null; exec "$@"';
const SHELL = "/bin/sh";

let setprivCache: string | null | undefined;

/** `setpriv` (util-linux) when it exists and supports `--pdeathsig`; probed once per process. */
export function setprivPath(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  if (setprivCache !== undefined) return setprivCache;
  setprivCache = null;
  const found = resolveExecutable("setpriv", process.cwd(), `${env.PATH ?? ""}:/usr/bin:/bin`);
  if (found) {
    const probe = spawnSync(found, ["--pdeathsig", "SIGKILL", "--", "/bin/true"], {
      stdio: "ignore",
      timeout: 5_000,
    });
    if (probe.status === 0) setprivCache = found;
  }
  return setprivCache;
}

/** For tests: forget the probe result, or force "no setpriv" with `null`. */
export function overrideSetpriv(value?: string | null): void {
  setprivCache = value;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What `execvp` in the child would run: a path with a slash relative to `cwd`, else a `PATH` search. */
export function resolveExecutable(command: string, cwd: string, searchPath: string): string | null {
  if (command.includes("/")) {
    const file = path.resolve(cwd, command);
    return isExecutableFile(file) ? file : null;
  }
  for (const dir of searchPath.split(":")) {
    if (!dir) continue;
    const file = path.join(path.resolve(cwd, dir), command);
    if (isExecutableFile(file)) return file;
  }
  return null;
}

export interface WrappedCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Whether the agent dies with the daemon (the kernel's parent-death signal). */
  readonly parentDeathSignal: boolean;
  /** Whether the agent joins `cgroupDir` before it runs. */
  readonly joinsCgroup: boolean;
}

/**
 * The argv that starts `command` inside the stage containment. A command that does not resolve is
 * left unwrapped, so the spawn fails exactly as before (ENOENT → runner_binary_not_found).
 */
export function wrapStageCommand(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string>>,
  cgroupDir: string | null,
): WrappedCommand {
  const plain = { command, args, parentDeathSignal: false, joinsCgroup: false };
  const resolved = resolveExecutable(command, cwd, env.PATH ?? "/usr/local/bin:/usr/bin:/bin");
  if (!resolved) return plain;
  const setpriv = setprivPath();
  let argv = [resolved, ...args];
  if (setpriv) argv = [setpriv, "--pdeathsig", "SIGKILL", "--", ...argv];
  if (cgroupDir && isExecutableFile(SHELL)) {
    argv = ["-c", JOIN_CGROUP_SCRIPT, path.join(cgroupDir, "cgroup.procs"), ...argv];
    return { command: SHELL, args: argv, parentDeathSignal: setpriv !== null, joinsCgroup: true };
  }
  if (!setpriv) return plain;
  return { command: argv[0] as string, args: argv.slice(1), parentDeathSignal: true, joinsCgroup: false };
}
