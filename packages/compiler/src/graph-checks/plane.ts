/**
 * Guarantees the graph sits on the plane the mode uses it for, and that its loop_id carries that
 * plane as its prefix (`<plane>.<name>`), so a loop id alone tells which plane it runs on.
 */
import type { Plane } from "@millrace/contracts";
import type { GraphCheckContext } from "./context.js";

export function checkGraphPlane({ graph, err }: GraphCheckContext, expectedPlane: Plane): void {
  if (graph.plane !== expectedPlane) {
    err(
      "graph_wrong_plane",
      `graph ${graph.loop_id}`,
      `the mode uses it for the ${expectedPlane} plane but it declares plane ${graph.plane}`,
      `select a ${expectedPlane}.* loop in the mode`,
    );
  }
  if (!graph.loop_id.startsWith(`${graph.plane}.`)) {
    err(
      "graph_loop_id",
      `graph ${graph.loop_id}`,
      `loop_id must start with "${graph.plane}."`,
      `rename it ${graph.plane}.<name>`,
    );
  }
}
