import { type GraphLoop, GraphLoopSchema } from "@millrace/contracts";
import type { AssetFile, AssetSource } from "./asset-source.js";
import type { IssueList } from "./issues.js";
import { parseAsset } from "./parse-asset.js";

export interface LoadedGraph {
  readonly graph: GraphLoop;
  readonly file: AssetFile;
}

/** Finds a graph loop: `graphs/<plane>/<name>.json` first, then any graph file declaring the id. */
export function locateGraph(
  source: AssetSource,
  loopId: string,
  issues: IssueList,
  modePath: string,
): LoadedGraph | undefined {
  const dot = loopId.indexOf(".");
  const direct =
    dot > 0 ? source.locate(`graphs/${loopId.slice(0, dot)}/${loopId.slice(dot + 1)}.json`) : undefined;
  if (direct) {
    const graph = parseAsset(source, direct, GraphLoopSchema, issues, "graph loop");
    if (!graph) return undefined;
    if (graph.loop_id === loopId) return { graph, file: direct };
  }
  const matches: LoadedGraph[] = [];
  for (const file of source.list("graphs")) {
    if (file.rel === direct?.rel) continue;
    let declared: unknown;
    try {
      declared = (JSON.parse(source.read(file)) as { loop_id?: unknown }).loop_id;
    } catch {
      continue;
    }
    if (declared !== loopId) continue;
    const graph = parseAsset(source, file, GraphLoopSchema, issues, "graph loop");
    if (graph) matches.push({ graph, file });
  }
  if (matches.length > 1) {
    issues.error(
      "graph_duplicate_id",
      matches.map((m) => m.file.displayPath).join(", "),
      `graph ${loopId}`,
      "more than one graph file declares this loop_id",
      "keep one file per loop_id",
    );
    return undefined;
  }
  if (matches.length === 0) {
    issues.error(
      "graph_not_found",
      modePath,
      `loop ${loopId}`,
      `no graph loop ${loopId} exists (looked for graphs/${loopId.replace(".", "/")}.json)`,
      "create the graph file or select an existing loop id in the mode",
    );
    return undefined;
  }
  return matches[0];
}
