import { type Mode, ModeSchema, normalizeMode, PLANES, resolveModeAlias } from "@millrace/contracts";
import type { AssetFile, AssetSource } from "./asset-source.js";
import type { IssueList } from "./issues.js";
import { parseAsset } from "./parse-asset.js";

export interface LoadedMode {
  readonly mode: Mode;
  readonly file: AssetFile;
}

function declaredModeId(source: AssetSource, file: AssetFile): unknown {
  try {
    return (JSON.parse(source.read(file)) as { mode_id?: unknown }).mode_id;
  } catch {
    return undefined;
  }
}

/** Each selected loop sits on its own plane, and execution and planning loops are always selected. */
function checkModeLoops(mode: Mode, where: string, issues: IssueList): void {
  for (const plane of PLANES) {
    const loopId = mode.loop_ids_by_plane[plane];
    if (loopId !== undefined && !loopId.startsWith(`${plane}.`)) {
      issues.error(
        "mode_loop_plane",
        where,
        `loop_ids_by_plane.${plane}`,
        `loop ${loopId} does not start with "${plane}."`,
        `select a ${plane}.* loop`,
      );
    }
  }
  for (const plane of ["execution", "planning"] as const) {
    if (mode.loop_ids_by_plane[plane] === undefined) {
      issues.error(
        "mode_missing_loop",
        where,
        `loop_ids_by_plane.${plane}`,
        `a mode must select a ${plane} loop`,
        `add "${plane}": "${plane}.standard"`,
      );
    }
  }
}

/**
 * Finds a mode by id (aliases resolved first): `modes/<id>.json`, else any file under `modes/`
 * declaring that `mode_id` (two such files are an error).
 */
export function locateMode(
  source: AssetSource,
  requestedId: string,
  issues: IssueList,
): LoadedMode | undefined {
  const modeId = resolveModeAlias(requestedId);
  const direct = /^[a-z0-9][a-z0-9._-]*$/.test(modeId) ? source.locate(`modes/${modeId}.json`) : undefined;
  let file: AssetFile | undefined;
  if (direct && declaredModeId(source, direct) === modeId) file = direct;
  else {
    const matches = source.list("modes").filter((candidate) => declaredModeId(source, candidate) === modeId);
    if (matches.length > 1) {
      issues.error(
        "mode_duplicate_id",
        matches.map((m) => m.displayPath).join(", "),
        `mode ${modeId}`,
        "more than one mode file declares this mode_id",
        "keep one file per mode_id",
      );
      return undefined;
    }
    file = matches[0] ?? direct;
  }
  if (!file) {
    issues.error(
      "mode_not_found",
      null,
      `mode ${requestedId}`,
      `no mode ${modeId} exists in the workspace or the packaged baseline`,
      "run `millrace modes ls` and pick one of the listed modes",
    );
    return undefined;
  }
  const parsed = parseAsset(source, file, ModeSchema, issues, "mode");
  if (!parsed) return undefined;
  if (parsed.mode_id !== modeId) {
    issues.error(
      "mode_id_mismatch",
      file.displayPath,
      `mode ${modeId}`,
      `the file declares mode_id ${parsed.mode_id}`,
      `set mode_id to ${modeId} or rename the file`,
    );
    return undefined;
  }
  const { mode, conflicts } = normalizeMode(parsed);
  for (const conflict of conflicts) {
    issues.error(
      "mode_legacy_loop_conflict",
      file.displayPath,
      `mode ${modeId}`,
      conflict,
      "keep only loop_ids_by_plane",
    );
  }
  checkModeLoops(mode, file.displayPath, issues);
  return { mode, file };
}
