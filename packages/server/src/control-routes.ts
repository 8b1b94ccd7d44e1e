import { type ControlResultOutput, type MailboxCommand, MillraceError } from "@millrace/contracts";
import { ApprovalStore } from "@millrace/governance";
import { addTaskRequest, submitControl } from "@millrace/supervisor-contract";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  AddTaskBodySchema,
  CONTROL_BODY_CAP_BYTES,
  DecisionBodySchema,
  EmptyBodySchema,
  parseBody,
  ReleaseBodySchema,
  RetryActiveBodySchema,
} from "./control-bodies.js";
import { CONTROL_TOKEN_HEADER, presentedToken, tokenMatches } from "./control-token.js";
import { errorBody } from "./http-errors.js";
import type { ServedWorkspace } from "./workspaces.js";

/** Who the dashboard acts as: every control request from the page is recorded with this issuer. */
export const WEB_ISSUER = "web";

/** The control paths under `/api/w/:id/control`, each answered by one POST route below. */
export const CONTROL_ROUTE_PATTERN =
  /^\/api\/w\/[^/]+\/control\/(pause|resume|stop|add-task|retry-active|release|approvals\/[^/]+\/(approve|deny))$/;

function tokenRefusal(c: Context, status: 401 | 403, message: string) {
  const error = new MillraceError("dashboard_token_refused", message, {
    hint: "Open the dashboard with the ?token=... URL `millrace serve --allow-control` printed.",
  });
  return c.json(errorBody(error), status);
}

/**
 * `POST /api/w/:id/control/...`: the control routes, present only under `--allow-control`. Each
 * checks the token (401 without one, 403 for a wrong one), caps and validates its JSON body, and
 * goes through `submitControl` with the issuer `web`; the answer is the `control-result` JSON.
 */
export function controlRoutes(lookup: (id: string) => ServedWorkspace, token: string): Hono {
  const routes = new Hono();
  routes.use(async (c, next) => {
    const presented = presentedToken(c.req.header(CONTROL_TOKEN_HEADER), c.req.header("Authorization"));
    if (presented === undefined) return tokenRefusal(c, 401, "a control request needs the dashboard token");
    if (!tokenMatches(token, presented)) return tokenRefusal(c, 403, "the dashboard token is wrong");
    await next();
  });
  routes.use(
    bodyLimit({
      maxSize: CONTROL_BODY_CAP_BYTES,
      onError: (c) =>
        c.json(
          errorBody(
            new MillraceError(
              "usage_invalid_argument",
              `the request body is over ${CONTROL_BODY_CAP_BYTES} bytes`,
              {
                hint: "Shorten the task body.",
              },
            ),
          ),
          413,
        ),
    }),
  );

  const submit = (c: Context, command: MailboxCommand, payload: Record<string, unknown>): Response => {
    const workspace = lookup(c.req.param("id") ?? "");
    const result: ControlResultOutput = submitControl(workspace.paths.root, command, payload, {
      issuer: WEB_ISSUER,
    });
    return c.json(result);
  };

  for (const command of ["pause", "resume", "stop"] as const) {
    routes.post(`/${command}`, async (c) => {
      parseBody(EmptyBodySchema, await c.req.text());
      return submit(c, command, {});
    });
  }
  routes.post("/add-task", async (c) => {
    const body = parseBody(AddTaskBodySchema, await c.req.text());
    lookup(c.req.param("id") ?? "");
    const request = addTaskRequest({
      title: body.title,
      createdBy: WEB_ISSUER,
      id: body.id,
      specId: body.spec_id,
      body: body.body,
    });
    return submit(c, request.command, request.payload);
  });
  routes.post("/retry-active", async (c) => {
    const body = parseBody(RetryActiveBodySchema, await c.req.text());
    return submit(c, "retry_active", {
      scope: body.scope,
      reason: body.reason ?? "requeued from the dashboard",
    });
  });
  routes.post("/release", async (c) => {
    const body = parseBody(ReleaseBodySchema, await c.req.text());
    return submit(c, "release_work_item", { ...body });
  });
  for (const [verb, command] of [
    ["approve", "approve_execution_capability"],
    ["deny", "deny_execution_capability"],
  ] as const) {
    routes.post(`/approvals/:approval/${verb}`, async (c) => {
      const body = parseBody(DecisionBodySchema, await c.req.text());
      const workspace = lookup(c.req.param("id") ?? "");
      const id = c.req.param("approval");
      // Checks the id's form and that it exists before anything is queued for a daemon.
      new ApprovalStore(workspace.paths).show(id);
      return submit(c, command, { approval_id: id, ...(body.reason ? { reason: body.reason } : {}) });
    });
  }
  return routes;
}
