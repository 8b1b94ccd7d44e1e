import { z } from "zod";
import { ThinkingLevelSchema } from "./enums.js";
import { lazySchema } from "./lazy-schema.js";

/** An alias id: `fast`, `deep`, `team.large` (letters, digits, `.`, `_`, `-`). */
export const MODEL_ALIAS_ID_PATTERN = /^[A-Za-z0-9._-]+$/;
/** A model name an alias stands for: `gpt-5.1-codex`, `anthropic/claude-sonnet-4-5`, `provider:model+x`. */
export const MODEL_ALIAS_VALUE_PATTERN = /^[A-Za-z0-9._:/+-]+$/;

export const ModelAliasIdSchema = lazySchema(() =>
  z.string().regex(MODEL_ALIAS_ID_PATTERN, "alias ids use only letters, digits, '.', '_' and '-'"),
);

/** `[model_aliases.<id>]`: the model (and optionally the thinking level) an alias stands for. */
export const ModelAliasSchema = lazySchema(() =>
  z.strictObject({
    model: z
      .string()
      .regex(MODEL_ALIAS_VALUE_PATTERN, "model names use only letters, digits and . _ : / + -")
      .describe("Model name handed to the runner for stages assigned this alias."),
    thinking_level: ThinkingLevelSchema.optional().describe(
      "Thinking level for stages assigned this alias: off, minimal, low, medium, high or xhigh.",
    ),
  }),
);
export type ModelAlias = z.infer<typeof ModelAliasSchema>;

/**
 * `[model_assignment]`: which alias each stage uses. A stage's alias is `by_stage[stage_kind_id]`,
 * else `by_loop[loop_id]`, else `default_alias`; `[stages.<id>] model` / `thinking_level` still win.
 */
export const ModelAssignmentConfigSchema = lazySchema(() =>
  z.strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Resolve stage models through the aliases below (set by any model-aliases assign command)."),
    default_alias: ModelAliasIdSchema.default("standard").describe(
      "Alias for stages that have no stage or loop assignment.",
    ),
    invalid_assignment_policy: z
      .enum(["warn_fallback", "error"])
      .default("warn_fallback")
      .describe(
        "An assignment naming an undefined alias: warn and keep the stage's own model (warn_fallback), or fail the compile (error).",
      ),
    by_loop: z
      .record(z.string().min(1), ModelAliasIdSchema)
      .default({})
      .describe('Alias per loop id, e.g. `"execution.standard" = "deep"`.'),
    by_stage: z
      .record(z.string().min(1), ModelAliasIdSchema)
      .default({})
      .describe('Alias per stage kind id, e.g. `checker = "fast"`.'),
  }),
);
export type ModelAssignmentConfig = z.infer<typeof ModelAssignmentConfigSchema>;
