import { hotEntry } from "../fast-run.js";

/** Entry of the `supervisor` hot bundle (dist/hot-supervisor.cjs, see fast.ts). */
export const runHot = hotEntry(() => import("../commands/supervisor.js"));
