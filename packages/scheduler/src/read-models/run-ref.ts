import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { isSafeId, MillraceError } from "@millrace/contracts";
import { requireInitialized } from "@millrace/workspace";
import { listRuns } from "./run-summary.js";

/** What `resolveRunRef` accepts besides ids: the newest run. */
export const LATEST_RUN_REF = "latest";

/** How many candidates an ambiguous prefix error names. */
const SHOWN_CANDIDATES = 5;

function runFolderNames(runsDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(runsDir);
  } catch {
    return [];
  }
  return names.filter((name) => {
    if (!isSafeId(name)) return false;
    try {
      return statSync(path.join(runsDir, name)).isDirectory();
    } catch {
      return false;
    }
  });
}

/**
 * Turns a run reference as an operator types it into a full run id: the id itself, the id without
 * its `run-` prefix, any unambiguous leading part of either (what `--monitor basic` prints as
 * `run=4a80efec`), or `latest` (the run that started last, as `runs ls` orders them). A reference
 * that matches nothing is returned unchanged, so the caller's lookup reports it the usual way
 * (not_found, or invalid_id for an unsafe one). An ambiguous prefix is a usage error naming the
 * candidates.
 */
export function resolveRunRef(workspaceRoot: string, ref: string): string {
  const paths = requireInitialized(workspaceRoot);
  if (ref === LATEST_RUN_REF) {
    const runs = listRuns(paths.root).runs;
    const newest = runs[runs.length - 1];
    if (!newest) {
      throw new MillraceError("not_found", "no runs yet: `latest` names nothing", {
        hint: "Run `millrace run once` (or a daemon) first; `millrace runs ls` lists the runs.",
        details: { run_id: ref },
      });
    }
    return newest.run_id;
  }
  if (ref === "" || !isSafeId(ref)) return ref;
  const names = runFolderNames(paths.runs);
  if (names.includes(ref)) return ref;
  const bare = ref.replace(/^run-/, "");
  const matches = names.filter((name) => name.startsWith(ref) || name.replace(/^run-/, "").startsWith(bare));
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) {
    const sorted = matches.sort();
    const shown = sorted.slice(0, SHOWN_CANDIDATES).join(", ");
    const more = sorted.length > SHOWN_CANDIDATES ? ` and ${sorted.length - SHOWN_CANDIDATES} more` : "";
    throw new MillraceError(
      "usage_invalid_argument",
      `run id prefix ${JSON.stringify(ref)} is ambiguous: it matches ${shown}${more}`,
      {
        hint: "Type more of the id (`millrace runs ls` lists them), or use `latest`.",
        details: { run_id: ref, candidates: sorted },
      },
    );
  }
  return ref;
}
