import { flowPage } from "./flow.js";
import { itemPage } from "./item.js";
import { overviewPage } from "./overview.js";
import { queuePage } from "./queue.js";
import type { Page, Route } from "./route.js";
import { runPage } from "./run.js";
import { runsPage } from "./runs.js";
import { usagePage } from "./usage.js";

export { href, type Page, type Route, type View } from "./route.js";

export const PAGES: Record<Route["page"], Page<never>> = {
  overview: overviewPage as Page<never>,
  flow: flowPage as Page<never>,
  queue: queuePage as Page<never>,
  item: itemPage as Page<never>,
  runs: runsPage as Page<never>,
  run: runPage as Page<never>,
  usage: usagePage as Page<never>,
};
