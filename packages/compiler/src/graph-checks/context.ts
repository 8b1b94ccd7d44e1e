/**
 * What every graph check shares: the graph being checked, lookups built once per graph (nodes by
 * id, declared terminal states, the stage kind behind a node and its legal outcomes) and one way to
 * report an error against the graph's file. Building it once keeps each check a plain function.
 */
import type { GraphLoop, GraphNode } from "@millrace/contracts";
import type { IssueList } from "../issues.js";
import type { LoadedGraph } from "../locate-graph.js";
import type { LoadedStageKind } from "../stage-kinds.js";

export interface GraphCheckContext {
  readonly graph: GraphLoop;
  readonly kinds: ReadonlyMap<string, LoadedStageKind>;
  readonly issues: IssueList;
  /** The graph file's display path, the `path` of every finding. */
  readonly where: string;
  readonly nodes: ReadonlyMap<string, GraphNode>;
  readonly terminals: ReadonlySet<string>;
  kindOf(nodeId: string): LoadedStageKind | undefined;
  legalFor(nodeId: string): Set<string>;
  err(code: string, subject: string, message: string, fix: string): void;
  /** Reports `terminalId` as dangling unless the graph declares it (the same finding wherever it is named). */
  requireTerminal(subject: string, terminalId: string): void;
}

export function graphCheckContext(
  loaded: LoadedGraph,
  kinds: ReadonlyMap<string, LoadedStageKind>,
  issues: IssueList,
): GraphCheckContext {
  const { graph, file } = loaded;
  const where = file.displayPath;
  const nodes = new Map(graph.nodes.map((n) => [n.node_id, n]));
  const terminals = new Set(graph.terminal_states.map((t) => t.terminal_state_id));
  const kindOf = (nodeId: string): LoadedStageKind | undefined => {
    const node = nodes.get(nodeId);
    return node ? kinds.get(node.stage_kind_id) : undefined;
  };
  const err = (code: string, subject: string, message: string, fix: string) =>
    issues.error(code, where, subject, message, fix);
  return {
    graph,
    kinds,
    issues,
    where,
    nodes,
    terminals,
    kindOf,
    legalFor: (nodeId) => new Set(kindOf(nodeId)?.kind.legal_outcomes ?? []),
    err,
    requireTerminal: (subject, terminalId) => {
      if (!terminals.has(terminalId)) {
        err(
          "graph_dangling_policy",
          subject,
          `terminal state ${terminalId} does not exist`,
          "reference a declared terminal state",
        );
      }
    },
  };
}
