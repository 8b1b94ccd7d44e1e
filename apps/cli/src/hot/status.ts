import { hotEntry } from "../fast-run.js";

/** Entry of the `status` hot bundle (dist/hot-status.cjs, see fast.ts). */
export const runHot = hotEntry(() => import("../commands/status.js"));
