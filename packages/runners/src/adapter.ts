import type {
  MillraceConfig,
  RunnerRawResult,
  RunnerRawResultInput,
  StageRunRequest,
} from "@millrace/contracts";

/** Where a runner writes the per-request artifacts (absolute paths inside the run folder). */
export interface RunArtifactPaths {
  readonly runDir: string;
  readonly prompt: string;
  readonly invocation: string;
  readonly completion: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly events: string;
  readonly lastMessage: string;
  /** Where the stage itself may write its structured result (`millrace_result.json`). */
  readonly structuredResult: string;
}

export interface InvocationRecord {
  /** The argument vector (never a shell string); empty for in-process runners. */
  readonly command: readonly string[];
  /** Names of the environment variables the runner set or overrode; never their values. */
  readonly envVarNames?: readonly string[];
  readonly cwd?: string;
}

export interface ProcessLimits {
  /** SIGTERM → SIGKILL grace period. */
  readonly killGraceMs: number;
  readonly maxStdoutBytes: number;
  readonly maxStderrBytes: number;
  /** Used when the request's timeout_seconds is 0. */
  readonly defaultTimeoutSeconds: number;
}

export interface RunnerContext {
  readonly config: MillraceConfig;
  /** The repository being worked on (cwd for agent CLIs). */
  readonly workspaceRoot: string;
  /** `<workspaceRoot>/millrace-agents`. */
  readonly runtimeRoot: string;
  /** The assembled stage prompt (already written to `artifacts.prompt`). */
  readonly prompt: string;
  readonly artifacts: RunArtifactPaths;
  /** The environment runners start from (default: this process's environment). */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  readonly clock: () => Date;
  readonly limits: ProcessLimits;
  /** Aborted when the engine stops the stage (reported as `interrupted`). */
  readonly signal?: AbortSignal;
  /** Record what is about to be launched; written to `runner_invocation.<rid>.json` before launch. */
  recordInvocation(record: InvocationRecord): void;
}

export interface PreflightResult {
  readonly ok: boolean;
  /** What is wrong, and what to do; empty when ok. */
  readonly problems: readonly string[];
}

/**
 * A runner turns one stage request into one raw result. It never routes and never touches queues;
 * it writes only into the run folder (and whatever the agent itself edits).
 */
export interface RunnerAdapter {
  readonly name: string;
  run(request: StageRunRequest, ctx: RunnerContext): Promise<RunnerRawResultInput | RunnerRawResult>;
  /** Fast checks (executable present, credentials configured) that fail in milliseconds. */
  preflight?(
    config: MillraceConfig,
    env?: Readonly<Record<string, string | undefined>>,
  ): Promise<PreflightResult>;
}
