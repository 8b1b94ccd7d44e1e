import { hotEntry } from "../fast-run.js";

/** Entry of the `queue` hot bundle (dist/hot-queue.cjs, see fast.ts). */
export const runHot = hotEntry(() => import("../commands/queue.js"));
