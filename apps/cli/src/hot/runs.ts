import { hotEntry } from "../fast-run.js";

/** Entry of the `runs` hot bundle (dist/hot-runs.cjs, see fast.ts). */
export const runHot = hotEntry(() => import("../commands/runs.js"));
