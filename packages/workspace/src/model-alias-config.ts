import { existsSync, readFileSync } from "node:fs";
import {
  MillraceError,
  MODEL_ALIAS_ID_PATTERN,
  MODEL_ALIAS_VALUE_PATTERN,
  type ModelAliasesListing,
  type ModelAliasView,
  ThinkingLevelSchema,
} from "@millrace/contracts";
import { writeFileAtomicSync } from "./atomic-write.js";
import { loadConfig, parseConfigText } from "./config.js";
import type { WorkspacePaths } from "./paths.js";
import { editTomlText, type TomlEdit } from "./toml-edit.js";

/** One change to the model aliases or their assignment, as the `model-aliases` commands ask for it. */
export type ModelAliasChange =
  | {
      readonly action: "set";
      readonly alias: string;
      readonly model: string;
      readonly thinkingLevel?: string;
    }
  | { readonly action: "remove"; readonly alias: string }
  | { readonly action: "assign-global"; readonly alias: string }
  | { readonly action: "assign-loop"; readonly loop: string; readonly alias: string }
  | { readonly action: "assign-stage"; readonly stage: string; readonly alias: string }
  | { readonly action: "clear-global" }
  | { readonly action: "clear-loop"; readonly loop: string }
  | { readonly action: "clear-stage"; readonly stage: string };

export interface ModelAliasChangeResult {
  readonly configFile: string;
  /** False when the file already said this (nothing written). */
  readonly updated: boolean;
}

const ALIASES = "model_aliases";
const ASSIGNMENT = "model_assignment";
/** What `clear-global` resets the default alias to. */
const DEFAULT_ALIAS = "standard";

function invalid(what: string, value: string, pattern: RegExp): MillraceError {
  return new MillraceError("usage_invalid_argument", `invalid ${what}: ${JSON.stringify(value)}`, {
    hint: `Use only the characters ${pattern.source} allows.`,
  });
}

function checkId(what: string, value: string): void {
  if (!MODEL_ALIAS_ID_PATTERN.test(value)) throw invalid(what, value, MODEL_ALIAS_ID_PATTERN);
}

function checkName(what: string, value: string): void {
  if (!MODEL_ALIAS_VALUE_PATTERN.test(value)) throw invalid(what, value, MODEL_ALIAS_VALUE_PATTERN);
}

function requireAlias(aliases: Record<string, unknown>, alias: string): void {
  if (!Object.hasOwn(aliases, alias)) {
    throw new MillraceError("model_alias_not_found", `model alias not found: ${alias}`);
  }
}

/** The assignments that name `alias` (global default only when assignment is enabled). */
function assignmentsOf(listing: ModelAliasesListing["assignment"], alias: string) {
  return {
    assigned_global: listing.enabled && listing.default_alias === alias,
    assigned_loops: Object.keys(listing.by_loop)
      .filter((loop) => listing.by_loop[loop] === alias)
      .sort(),
    assigned_stages: Object.keys(listing.by_stage)
      .filter((stage) => listing.by_stage[stage] === alias)
      .sort(),
  };
}

/** Every alias (sorted by id) and the assignment table, from the effective config. */
export function listModelAliases(paths: WorkspacePaths): ModelAliasesListing {
  const config = loadConfig(paths);
  const assignment = config.model_assignment;
  const aliases: ModelAliasView[] = Object.keys(config.model_aliases)
    .sort()
    .map((id) => {
      const alias = config.model_aliases[id];
      return {
        alias_id: id,
        model: alias?.model ?? "",
        thinking_level: alias?.thinking_level ?? null,
        ...assignmentsOf(assignment, id),
      };
    });
  return { config_file: paths.configFile, aliases, assignment };
}

export function showModelAlias(paths: WorkspacePaths, alias: string): ModelAliasView {
  checkId("alias id", alias);
  const found = listModelAliases(paths).aliases.find((view) => view.alias_id === alias);
  if (!found) throw new MillraceError("model_alias_not_found", `model alias not found: ${alias}`);
  return found;
}

/** The line edits one change makes, after checking its arguments against the current config. */
function editsFor(paths: WorkspacePaths, change: ModelAliasChange): TomlEdit[] {
  const config = loadConfig(paths);
  const assign = (key: string[], alias: string): TomlEdit[] => {
    checkId("alias id", alias);
    requireAlias(config.model_aliases, alias);
    const [table, name] = key.length === 1 ? [[ASSIGNMENT], key[0]] : [[ASSIGNMENT, key[0]], key[1]];
    return [
      { op: "set", table: [ASSIGNMENT], key: "enabled", value: true },
      { op: "set", table: table as string[], key: name as string, value: alias },
    ];
  };
  switch (change.action) {
    case "set": {
      checkId("alias id", change.alias);
      checkName("model", change.model);
      const edits: TomlEdit[] = [
        { op: "set", table: [ALIASES, change.alias], key: "model", value: change.model },
      ];
      if (change.thinkingLevel !== undefined) {
        const level = ThinkingLevelSchema.safeParse(change.thinkingLevel);
        if (!level.success) {
          throw new MillraceError(
            "usage_invalid_argument",
            `invalid thinking level: ${change.thinkingLevel}`,
            {
              hint: `Use one of: ${ThinkingLevelSchema.options.join(", ")}.`,
            },
          );
        }
        edits.push({ op: "set", table: [ALIASES, change.alias], key: "thinking_level", value: level.data });
      }
      return edits;
    }
    case "remove": {
      checkId("alias id", change.alias);
      requireAlias(config.model_aliases, change.alias);
      const used = assignmentsOf(config.model_assignment, change.alias);
      if (used.assigned_global || used.assigned_loops.length > 0 || used.assigned_stages.length > 0) {
        throw new MillraceError("model_alias_in_use", `model alias ${change.alias} is still assigned`, {
          details: { ...used },
        });
      }
      return [{ op: "remove_table", table: [ALIASES, change.alias] }];
    }
    case "assign-global":
      return assign(["default_alias"], change.alias);
    case "assign-loop":
      checkName("loop id", change.loop);
      return assign(["by_loop", change.loop], change.alias);
    case "assign-stage":
      checkId("stage id", change.stage);
      return assign(["by_stage", change.stage], change.alias);
    case "clear-global":
      return [{ op: "set", table: [ASSIGNMENT], key: "default_alias", value: DEFAULT_ALIAS }];
    case "clear-loop":
      checkName("loop id", change.loop);
      return [{ op: "remove_key", table: [ASSIGNMENT, "by_loop"], key: change.loop }];
    case "clear-stage":
      checkId("stage id", change.stage);
      return [{ op: "remove_key", table: [ASSIGNMENT, "by_stage"], key: change.stage }];
  }
}

/**
 * Applies one change to millrace.toml with targeted line edits (comments and layout survive), checks
 * the result is a valid config, and writes it atomically. A running daemon picks it up at its next
 * config reload (alias changes are structural: the plan is recompiled).
 */
export function changeModelAliases(paths: WorkspacePaths, change: ModelAliasChange): ModelAliasChangeResult {
  const edits = editsFor(paths, change);
  const text = existsSync(paths.configFile) ? readFileSync(paths.configFile, "utf8") : "";
  const next = editTomlText(text, edits);
  if (next === text) return { configFile: paths.configFile, updated: false };
  parseConfigText(next, paths.configFile);
  writeFileAtomicSync(paths.configFile, next);
  return { configFile: paths.configFile, updated: true };
}
