import { z } from "zod";
import { ResultClassSchema, WorkItemKindSchema } from "./enums.js";
import { STATUS_TOKEN_PATTERN } from "./ids.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";

/**
 * The scripted runner's script file: which actions a stage performs, chosen by stage (and
 * optionally work item and attempt number). Deterministic by construction: no randomness, the
 * clock and sequence numbers come from the runner's context.
 *
 * Templates may use `{{name}}` placeholders: request_id, run_id, stage, plane, node_id,
 * work_item_id, work_item_kind, work_item_path, run_dir, workspace_root, runtime_root, attempt,
 * seq (a workspace-wide counter, one value per action), now (UTC timestamp), date (YYYY-MM-DD).
 */

const TokenSchema = lazySchema(() =>
  z.string().regex(STATUS_TOKEN_PATTERN, "must be an upper-case token such as BUILDER_COMPLETE"),
);
const TemplateSchema = lazySchema(() => z.string());

export const ScriptPathBaseSchema = lazySchema(() => z.enum(["workspace", "runtime", "run_dir"]));
export type ScriptPathBase = z.infer<typeof ScriptPathBaseSchema>;

export const ScriptActionSchema = lazySchema(() =>
  z.discriminatedUnion("type", [
    /** Print `### TOKEN` on its own line on stdout. */
    z.strictObject({ type: z.literal("marker"), token: TokenSchema }),
    /** Print templated text on stdout (a newline is added when missing). */
    z.strictObject({ type: z.literal("print"), text: TemplateSchema }),
    /** Print templated text on stderr. */
    z.strictObject({ type: z.literal("stderr"), text: TemplateSchema }),
    /** Write a file from a template; the rendered path must stay inside its base folder. */
    z.strictObject({
      type: z.literal("write_file"),
      path: TemplateSchema,
      base: ScriptPathBaseSchema.default("workspace"),
      template: TemplateSchema,
      overwrite: z.boolean().default(true),
    }),
    /** Append a templated entry to `millrace-agents/historylog.md`. */
    z.strictObject({ type: z.literal("append_historylog"), template: TemplateSchema }),
    z.strictObject({ type: z.literal("sleep"), ms: z.int().nonnegative().max(3_600_000) }),
    /** Stop here and exit with this code (0 continues to nothing: the remaining actions are skipped). */
    z.strictObject({ type: z.literal("exit"), code: z.int().min(0).max(255) }),
    /** Never finish: the stage runs into its deadline. */
    z.strictObject({ type: z.literal("hang") }),
    /** Print deterministic junk (binary-ish bytes and broken JSON) on stdout. */
    z.strictObject({ type: z.literal("garbage"), bytes: z.int().positive().max(1_048_576).default(256) }),
    /** Write the structured result file `millrace_result.json` into the run folder. */
    z.strictObject({
      type: z.literal("write_result_json"),
      terminal_result: TokenSchema,
      result_class: ResultClassSchema.optional(),
      summary_artifact_paths: z.array(TemplateSchema).default([]),
      notes: z.array(TemplateSchema).optional(),
      metadata: z.record(z.string(), z.unknown()).default({}),
    }),
  ]),
);
export type ScriptAction = z.infer<typeof ScriptActionSchema>;

export const ScriptRuleSchema = lazySchema(() =>
  z.strictObject({
    /** Runtime stage name, stage kind id (e.g. `contractor_blueprint`), or `*` for any stage. */
    stage: z.string().min(1),
    /** Exact work item id to match. */
    work_item_id: z.string().min(1).optional(),
    work_item_kind: WorkItemKindSchema.optional(),
    /** Match only the n-th time (from 1) this stage kind runs for this work item. */
    attempt: z.int().positive().optional(),
    actions: z.array(ScriptActionSchema),
  }),
);
export type ScriptRule = z.infer<typeof ScriptRuleSchema>;

export const ScriptFileSchema = lazySchema(() =>
  z.strictObject({
    schema_version: z.literal("1.0").default("1.0"),
    description: z.string().optional(),
    /**
     * When no rule matches: print the stage's first legal marker, print nothing (a missing-marker
     * failure), or exit 1 with a message on stderr.
     */
    unmatched: z.enum(["first_legal_marker", "no_marker", "fail"]).default("first_legal_marker"),
    rules: z.array(ScriptRuleSchema).default([]),
  }),
);
export type ScriptFile = z.infer<typeof ScriptFileSchema>;
export type ScriptFileInput = z.input<typeof ScriptFileSchema>;

registerPersistedSchema("scripted-runner-script", ScriptFileSchema);
