import { it } from "vitest";
import { demoWorkspace, enqueueTask, testEngine } from "../fixtures.js";
it("dbg", async () => {
  const ws = demoWorkspace();
  enqueueTask(ws, "task-a");
  const { engine, events } = testEngine(ws);
  await engine.start();
  const hub = (engine as any).monitorHub;
  const orig = hub.emit.bind(hub);
  hub.emit = (e: any) => { if (e.type === "status_marker_changed" || e.type === "stage_completed") console.log("EMIT", e.type); orig(e); };
  const o = await engine.tick();
  console.log(JSON.stringify(o), engine.context.snapshot.status_markers_by_plane);
  await engine.close();
});
