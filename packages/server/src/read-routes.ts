import { Hono } from "hono";
import { approvalsOf } from "./approvals-read.js";
import {
  graphsOf,
  queueItemOf,
  queueOf,
  runArtifactOf,
  runDetailOf,
  runsOf,
  runTraceOf,
  statusOf,
  supervisorOf,
  usageOf,
} from "./read-models.js";
import type { ServedWorkspace } from "./workspaces.js";

type Query = { req: { query(name: string): string | undefined } };

/** A listing's paging parameters (page-query.ts checks them). */
const pageQuery = (c: Query) => ({
  limit: c.req.query("limit"),
  offset: c.req.query("offset"),
  all: c.req.query("all"),
});

/** `GET /api/w/:id/...`: one route per read model; the workspace comes from the id, never a path. */
export function readRoutes(lookup: (id: string) => ServedWorkspace): Hono {
  const routes = new Hono();
  const ws = (c: { req: { param(name: "id"): string } }) => lookup(c.req.param("id"));
  routes.get("/status", (c) => c.json(statusOf(ws(c))));
  routes.get("/supervisor", async (c) => c.json(await supervisorOf(ws(c))));
  routes.get("/queue", (c) =>
    c.json(queueOf(ws(c), { kind: c.req.query("kind"), state: c.req.query("state"), ...pageQuery(c) })),
  );
  routes.get("/queue/:item", (c) => c.json(queueItemOf(ws(c), c.req.param("item"))));
  routes.get("/runs", (c) => c.json(runsOf(ws(c), pageQuery(c))));
  routes.get("/runs/:run", (c) => c.json(runDetailOf(ws(c), c.req.param("run"))));
  routes.get("/runs/:run/trace", (c) => c.json(runTraceOf(ws(c), c.req.param("run"))));
  routes.get("/runs/:run/artifact", (c) =>
    c.json(runArtifactOf(ws(c), c.req.param("run"), c.req.query("path"))),
  );
  routes.get("/approvals", (c) => c.json(approvalsOf(ws(c), c.req.query("status"))));
  routes.get("/graphs", (c) => c.json(graphsOf(ws(c))));
  routes.get("/usage", (c) =>
    c.json(usageOf(ws(c), { window: c.req.query("window"), by: c.req.query("by") })),
  );
  return routes;
}
