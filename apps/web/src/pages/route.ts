import type { Child } from "../dom.js";
import type { LiveState } from "../live.js";

/** What a page view returns: nodes, or nested lists of them. */
export type View = (Child | Child[])[];

export interface Route {
  workspace: string;
  page: "overview" | "flow" | "queue" | "item" | "runs" | "run" | "usage";
  /** The page's subject: a work item id, a run id; on the Queue and Runs pages, the page's offset. */
  arg: string | undefined;
  /** A second argument: the artifact shown on a run page. */
  arg2?: string | undefined;
}

/** A page: what to fetch for a route, and how to show it (the same data always renders the same DOM). */
export interface Page<T = unknown> {
  load(route: Route): Promise<T>;
  view(data: T, route: Route, live: LiveState): View;
  /** Imperative extras after rendering (a chart drawing into its own element). */
  after?(container: HTMLElement, data: T): void;
}

export function href(
  route: Pick<Route, "workspace" | "page"> & { arg?: string | undefined; arg2?: string | undefined },
): string {
  const parts = ["#", "w", route.workspace, route.page, route.arg, route.arg2].filter((p) => p !== undefined);
  return parts.map((p, i) => (i === 0 ? p : encodeURIComponent(p as string))).join("/");
}
