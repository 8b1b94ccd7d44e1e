import { z } from "zod";
import { ControlResultOutputSchema } from "./cli-output.js";
import { registerPersistedSchema } from "./json-schema.js";
import { lazySchema } from "./lazy-schema.js";
import { ModelAliasIdSchema, ModelAssignmentConfigSchema } from "./model-aliases.js";

/** One alias as `model-aliases list|show` print it, with where it is assigned. */
export const ModelAliasViewSchema = lazySchema(() =>
  z.strictObject({
    alias_id: ModelAliasIdSchema,
    model: z.string(),
    thinking_level: z.string().nullable(),
    assigned_global: z.boolean(),
    assigned_loops: z.array(z.string()),
    assigned_stages: z.array(z.string()),
  }),
);
export type ModelAliasView = z.infer<typeof ModelAliasViewSchema>;

/** `model-aliases list --json`: every alias and the assignment table. */
export const ModelAliasesListingSchema = lazySchema(() =>
  z.strictObject({
    config_file: z.string(),
    aliases: z.array(ModelAliasViewSchema),
    assignment: ModelAssignmentConfigSchema,
  }),
);
export type ModelAliasesListing = z.infer<typeof ModelAliasesListingSchema>;

/**
 * `model-aliases set|remove|assign-*|clear-* --json`: what changed in millrace.toml, and the reload
 * request (`null` with `--no-reload`).
 */
export const ModelAliasesUpdateOutputSchema = lazySchema(() =>
  z.strictObject({
    action: z.string(),
    config_file: z.string(),
    updated: z.boolean(),
    reload: ControlResultOutputSchema.nullable(),
  }),
);
export type ModelAliasesUpdateOutput = z.infer<typeof ModelAliasesUpdateOutputSchema>;

registerPersistedSchema("model-alias-view", ModelAliasViewSchema);
registerPersistedSchema("model-aliases-listing", ModelAliasesListingSchema);
registerPersistedSchema("model-aliases-update-output", ModelAliasesUpdateOutputSchema);
