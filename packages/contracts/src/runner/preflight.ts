import { z } from "zod";
import { RunnerCredentialStateSchema } from "../cli-output.js";
import { lazySchema } from "../lazy-schema.js";

/** The agent executable a runner would launch, as found with the runner's environment overlay. */
export const PreflightExecutableSchema = lazySchema(() =>
  z
    .object({
      /** The configured command. */
      command: z.string(),
      /** The config key that sets it (`runners.codex.command`). */
      config_key: z.string(),
      /** The absolute path the command resolves to, or null when it was not found. */
      resolved_path: z.string().nullable(),
      /** When the command is node running a script: that script (there is no `--version` to ask). */
      node_script: z.string().nullable(),
      /** First line of `<command> --version` when asked for and answered, else null. */
      version: z.string().nullable(),
    })
    .readonly(),
);
export type PreflightExecutable = z.infer<typeof PreflightExecutableSchema>;

/** Where the runner would find its credential. Never holds a secret's value. */
export const PreflightCredentialSchema = lazySchema(() =>
  z
    .object({
      state: RunnerCredentialStateSchema,
      /** An environment variable name or a file path. */
      source: z.string().nullable(),
      /** When missing: what was looked for and where (one sentence). */
      detail: z.string().nullable(),
    })
    .readonly(),
);
export type PreflightCredential = z.infer<typeof PreflightCredentialSchema>;

/** What the configured permission levels let the agent do. */
export const PreflightPermissionSchema = lazySchema(() =>
  z
    .object({
      /** The levels the configuration (or the given stages) select, sorted; empty when levels are advisory. */
      levels: z.array(z.string()).readonly(),
      /** One sentence when nothing is risky (`permission levels basic`). */
      summary: z.string(),
      /** An unconfined agent: `maximum` selected, or no sandbox and no tool limits. */
      risk: z
        .object({ kind: z.enum(["maximum", "unsandboxed"]), message: z.string() })
        .readonly()
        .nullable(),
      /** The agent CLI will refuse to start at the selected level (e.g. as root). */
      refusal: z.string().nullable(),
    })
    .readonly(),
);
export type PreflightPermission = z.infer<typeof PreflightPermissionSchema>;

/** The script file of a script-driven runner. */
export const PreflightScriptSchema = lazySchema(() =>
  z.object({ path: z.string(), problem: z.string().nullable() }).readonly(),
);
export type PreflightScript = z.infer<typeof PreflightScriptSchema>;

/**
 * The result of a runner's fast checks. `ok`/`problems` are what a caller acts on; the optional
 * findings say what was found, for reports such as doctor (a runner fills the ones it knows).
 */
export const PreflightResultSchema = lazySchema(() =>
  z
    .object({
      ok: z.boolean(),
      /** What is wrong, and what to do; empty when ok. */
      problems: z.array(z.string()).readonly(),
      executable: PreflightExecutableSchema.optional(),
      credential: PreflightCredentialSchema.optional(),
      permission: PreflightPermissionSchema.optional(),
      script: PreflightScriptSchema.optional(),
    })
    .readonly(),
);
export type PreflightResult = z.infer<typeof PreflightResultSchema>;

/** A stage the caller plans to run, so permission findings can name where a level comes from. */
export const PreflightStageSchema = lazySchema(() =>
  z
    .object({
      /** How to name the stage in messages (`execution.builder`). */
      label: z.string(),
      stage: z.string(),
      model: z.string().nullable(),
      permission_profile: z.string().nullable(),
    })
    .readonly(),
);
export type PreflightStage = z.infer<typeof PreflightStageSchema>;

export type RunnerEnvironment = Readonly<Record<string, string | undefined>>;

/** Optional inputs of a preflight; without them a runner checks only what it can in milliseconds. */
export interface PreflightOptions {
  /** `<workspace>/millrace-agents`, for runners whose files live there (the scripted runner's script). */
  readonly runtimeRoot?: string;
  /** Command → absolute executable path or null (default: a PATH lookup in the environment). */
  readonly which?: (command: string, env: RunnerEnvironment) => string | null;
  /** Also run `<command> --version` (a local process with a short deadline; never the network). */
  readonly probeVersion?: boolean;
  /** Deadline of the version probe in ms. */
  readonly versionTimeoutMs?: number;
  /** The stages that will use this runner; permission findings then resolve each stage's level. */
  readonly stages?: readonly PreflightStage[];
}
