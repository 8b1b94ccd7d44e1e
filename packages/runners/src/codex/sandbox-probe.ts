import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Whether Codex's own sandbox can run on this host. In a container without the kernel features it
 * needs (seccomp, Landlock, unprivileged user namespaces) every command the agent runs fails, so
 * the sandbox flags derived from grants would make each stage fail in obscure ways. The probe asks
 * the installed Codex itself (`codex sandbox -- /bin/true`, its sandbox self-check), and reads the
 * kernel facts as the explanation, or as the only evidence when Codex has no self-check.
 */

/** What the kernel offers: true, false, or null when the file that says is absent or unreadable. */
export interface HostSandboxFacts {
  readonly seccomp: boolean | null;
  readonly landlock: boolean | null;
  readonly userNamespaces: boolean | null;
}

export interface SandboxProbeResult {
  readonly verdict: "works" | "unavailable" | "unknown";
  /** `self_check` when the installed Codex answered, `kernel_features` when only the files did. */
  readonly method: "self_check" | "kernel_features";
  readonly reason: string;
  readonly facts: HostSandboxFacts;
}

export interface SandboxProbeOptions {
  /** The Codex executable (a name looked up on PATH in `env`, or a path). */
  readonly command: string;
  /** Arguments before the `sandbox` subcommand (a launcher's script: `node codex.js sandbox …`). */
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where `/proc` and `/sys` are read from (tests point it at fake files); default `/`. */
  readonly root?: string;
  readonly timeoutMs?: number;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function userNamespaces(root: string): boolean | null {
  const max = readText(path.join(root, "proc/sys/user/max_user_namespaces"))?.trim();
  const clone = readText(path.join(root, "proc/sys/kernel/unprivileged_userns_clone"))?.trim();
  const apparmor = readText(path.join(root, "proc/sys/kernel/apparmor_restrict_unprivileged_userns"))?.trim();
  if (max === "0" || clone === "0" || apparmor === "1") return false;
  return max === undefined && clone === undefined ? null : true;
}

/** Reads the kernel's sandbox facts under `root` (default `/`). Never throws. */
export function readHostSandboxFacts(root = "/"): HostSandboxFacts {
  const status = readText(path.join(root, "proc/self/status"));
  const lsm = readText(path.join(root, "sys/kernel/security/lsm"));
  return {
    seccomp: status === undefined ? null : /^Seccomp:\s*\d/m.test(status),
    landlock: lsm === undefined ? null : lsm.split(",").some((name) => name.trim() === "landlock"),
    userNamespaces: userNamespaces(root),
  };
}

/** `seccomp yes, landlock unknown, user namespaces no`. */
export function describeHostSandboxFacts(facts: HostSandboxFacts): string {
  const word = (value: boolean | null) => (value === null ? "unknown" : value ? "yes" : "no");
  return `seccomp ${word(facts.seccomp)}, landlock ${word(facts.landlock)}, user namespaces ${word(facts.userNamespaces)}`;
}

function fromFacts(facts: HostSandboxFacts, why: string): SandboxProbeResult {
  const missing = facts.seccomp === false || (facts.landlock === false && facts.userNamespaces === false);
  return {
    verdict: missing ? "unavailable" : "unknown",
    method: "kernel_features",
    reason: `${why}; kernel: ${describeHostSandboxFacts(facts)}`,
    facts,
  };
}

const NO_SELF_CHECK = /unrecognized subcommand|unexpected argument|invalid subcommand/i;

function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return (lines.at(-1) ?? "").slice(0, 240);
}

/** Runs the installed Codex's sandbox self-check, falling back to the kernel facts. */
export function probeCodexSandbox(options: SandboxProbeOptions): SandboxProbeResult {
  const facts = readHostSandboxFacts(options.root ?? "/");
  const ran = spawnSync(options.command, [...(options.args ?? []), "sandbox", "--", "/bin/true"], {
    env: options.env as NodeJS.ProcessEnv,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
    timeout: options.timeoutMs ?? 15_000,
  });
  if (ran.error) {
    const code = (ran.error as NodeJS.ErrnoException).code;
    const why =
      code === "ETIMEDOUT"
        ? "the sandbox self-check did not finish in time"
        : `${options.command} could not be started (${code ?? ran.error.message})`;
    return fromFacts(facts, why);
  }
  const stderr = ran.stderr ?? "";
  if (ran.status === 0) {
    return { verdict: "works", method: "self_check", reason: "`codex sandbox -- /bin/true` passed", facts };
  }
  if (NO_SELF_CHECK.test(stderr)) return fromFacts(facts, "this codex has no `sandbox` self-check");
  return {
    verdict: "unavailable",
    method: "self_check",
    reason: `\`codex sandbox -- /bin/true\` failed (exit ${ran.status ?? ran.signal}): ${lastLine(stderr) || "no message"}; kernel: ${describeHostSandboxFacts(facts)}`,
    facts,
  };
}
