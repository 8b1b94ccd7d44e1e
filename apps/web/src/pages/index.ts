import type { Child } from "../dom.js";

/** What a page view returns: nodes, or nested lists of them. */
export type View = (Child | Child[])[];

import type { LiveState } from "../live.js";
import { flowPage } from "./flow.js";
import { itemPage } from "./item.js";
import { overviewPage } from "./overview.js";
import { queuePage } from "./queue.js";
import { runPage } from "./run.js";
import { runsPage } from "./runs.js";
import { usagePage } from "./usage.js";

export interface Route {
  workspace: string;
  page: "overview" | "flow" | "queue" | "item" | "runs" | "run" | "usage";
  /** The page's subject: a work item id, a run id. */
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

export const PAGES: Record<Route["page"], Page<never>> = {
  overview: overviewPage as Page<never>,
  flow: flowPage as Page<never>,
  queue: queuePage as Page<never>,
  item: itemPage as Page<never>,
  runs: runsPage as Page<never>,
  run: runPage as Page<never>,
  usage: usagePage as Page<never>,
};

export function href(
  route: Pick<Route, "workspace" | "page"> & { arg?: string | undefined; arg2?: string | undefined },
): string {
  const parts = ["#", "w", route.workspace, route.page, route.arg, route.arg2].filter((p) => p !== undefined);
  return parts.map((p, i) => (i === 0 ? p : encodeURIComponent(p as string))).join("/");
}
