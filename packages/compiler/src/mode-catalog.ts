import {
  compareCodeUnits,
  MillraceError,
  MODE_ALIASES,
  ModeSchema,
  type ModeSummary,
  normalizeMode,
  PLANES,
} from "@millrace/contracts";
import { assetSourceFor } from "./asset-source.js";
import { formatIssue, IssueList } from "./issues.js";
import { locateMode } from "./locate-mode.js";
import { parseAsset } from "./parse-asset.js";

/** Aliases pointing at a mode id. */
function aliasesOf(modeId: string): string[] {
  return Object.entries(MODE_ALIASES)
    .filter(([, target]) => target === modeId)
    .map(([alias]) => alias)
    .sort();
}

function summarize(mode: ReturnType<typeof normalizeMode>["mode"], displayPath: string): ModeSummary {
  const loops = Object.fromEntries(
    PLANES.filter((p) => mode.loop_ids_by_plane[p]).map((p) => [p, mode.loop_ids_by_plane[p]!]),
  );
  return {
    mode_id: mode.mode_id,
    aliases: aliasesOf(mode.mode_id),
    loop_ids_by_plane: loops,
    runners: [...new Set(Object.values(mode.stage_runner_bindings))].sort(),
    learning_trigger_rules: mode.learning_trigger_rules.length,
    concurrency_policy: mode.concurrency_policy,
    path: displayPath,
    description: mode.description ?? null,
  };
}

export interface ModeListing {
  readonly modes: ModeSummary[];
  /** Files under modes/ that do not parse, one line each. */
  readonly invalid: string[];
}

/** Every mode the workspace can use (workspace files over packaged ones), sorted by id. */
export function listModes(workspaceRoot: string, options: { packagedRoot?: string } = {}): ModeListing {
  const source = assetSourceFor(workspaceRoot, options.packagedRoot);
  const issues = new IssueList();
  const modes: ModeSummary[] = [];
  for (const file of source.list("modes")) {
    const parsed = parseAsset(source, file, ModeSchema, issues, "mode");
    if (parsed) modes.push(summarize(normalizeMode(parsed).mode, file.displayPath));
  }
  modes.sort((a, b) => compareCodeUnits(a.mode_id, b.mode_id));
  return { modes, invalid: issues.items.map((i) => `${i.path}: ${i.subject}: ${i.message}`) };
}

/** One mode by id or alias, with its raw definition; undefined when it does not exist. */
export function showMode(
  workspaceRoot: string,
  modeId: string,
  options: { packagedRoot?: string } = {},
):
  | { summary: ModeSummary; definition: ReturnType<typeof normalizeMode>["mode"]; errors: string[] }
  | undefined {
  const source = assetSourceFor(workspaceRoot, options.packagedRoot);
  const issues = new IssueList();
  const loaded = locateMode(source, modeId, issues);
  if (!loaded) {
    if (issues.items.some((i) => i.code === "mode_not_found")) return undefined;
    const errors = issues.errors().map(formatIssue);
    throw new MillraceError("compile_failed", `mode ${modeId} is invalid: ${errors[0]}`, {
      details: { errors },
    });
  }
  return {
    summary: summarize(loaded.mode, loaded.file.displayPath),
    definition: loaded.mode,
    errors: issues.errors().map((i) => i.message),
  };
}
