import type { MillraceConfig } from "../config.js";
import type { RunArtifactPaths } from "./artifact-paths.js";
import type { InvocationRecord } from "./invocation-record.js";
import type { ProcessLimits } from "./process-limits.js";

/** Everything a runner gets besides the request: configuration, paths, environment, clock, limits. */
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
  /**
   * Values that must never reach an artifact (value → label, longest first): redacted from the
   * streamed output files as they are written. Absent: nothing is redacted while streaming.
   */
  readonly secrets?: ReadonlyMap<string, string>;
  /** Record what is about to be launched; written to `runner_invocation.<rid>.json` before launch. */
  recordInvocation(record: InvocationRecord): void;
}
