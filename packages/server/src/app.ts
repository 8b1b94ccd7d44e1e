import { MillraceError } from "@millrace/contracts";
import { Hono } from "hono";
import { CONTROL_ROUTE_PATTERN, controlRoutes, WEB_ISSUER } from "./control-routes.js";
import { CONTROL_TOKEN_HEADER } from "./control-token.js";
import { eventStreamResponse } from "./event-stream.js";
import { refusedAuthority } from "./host-guard.js";
import { errorBody, httpStatusOf } from "./http-errors.js";
import { LogWatch } from "./log-watch.js";
import { readRoutes } from "./read-routes.js";
import { SECURITY_HEADERS } from "./security-headers.js";
import { loadStaticBundle } from "./static-files.js";
import type { ServedWorkspace } from "./workspaces.js";

export interface DashboardAppOptions {
  readonly workspaces: readonly ServedWorkspace[];
  /** The built frontend (index.html and assets/); without it only the API is served. */
  readonly staticRoot?: string | undefined;
  /** The `host:port` forms a request's Host (and Origin) may name; read per request (the port is known once listening). */
  readonly authorities: () => ReadonlySet<string>;
  /** Present only under `--allow-control`: the token every control request must carry. */
  readonly controlToken?: string | undefined;
}

export interface DashboardApp {
  readonly app: Hono;
  /** Stops the log watchers (open event streams end when the HTTP server closes them). */
  close(): void;
}

function refused(message: string, status: 403 | 405, control: boolean) {
  const error = new MillraceError("dashboard_request_refused", message, {
    hint: control
      ? "Open the dashboard at the address `millrace serve` printed; only the control routes accept POST."
      : "Open the dashboard at the address `millrace serve` printed; it is read-only.",
  });
  return { body: errorBody(error), status };
}

/**
 * The dashboard's HTTP application: Host/Origin check, security headers, read-only methods, the
 * JSON API under `/api`, the event streams, and the static frontend. The mutating control routes
 * exist only when a control token is given (`--allow-control`); otherwise every method but
 * GET/HEAD is 405.
 */
export function createDashboardApp(options: DashboardAppOptions): DashboardApp {
  const byId = new Map(options.workspaces.map((workspace) => [workspace.id, workspace]));
  const watches = new Map(
    options.workspaces.map((w) => [w.id, new LogWatch(w.paths.logs, w.paths.runtimeEvents)] as const),
  );
  const files = loadStaticBundle(options.staticRoot);
  const token = options.controlToken;
  const control = token !== undefined;
  const app = new Hono();

  app.use(async (c, next) => {
    const reason = refusedAuthority(options.authorities(), c.req.header("Host"), c.req.header("Origin"));
    if (reason) {
      const { body, status } = refused(`${reason} (DNS-rebinding protection)`, 403, control);
      c.res = c.json(body, status);
    } else if (
      c.req.method !== "GET" &&
      c.req.method !== "HEAD" &&
      !isControlCall(c.req.method, c.req.path)
    ) {
      const why = control ? "only the control routes accept POST" : "the dashboard is read-only";
      const { body, status } = refused(`${c.req.method} is not allowed: ${why}`, 405, control);
      c.res = c.json(body, status, { Allow: "GET, HEAD" });
    } else {
      await next();
    }
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });

  app.onError((error, c) => c.json(errorBody(error), httpStatusOf(error)));

  function isControlCall(method: string, pathname: string): boolean {
    return control && method === "POST" && CONTROL_ROUTE_PATTERN.test(pathname);
  }

  app.get("/api/capabilities", (c) =>
    c.json({
      control,
      issuer: control ? WEB_ISSUER : null,
      token_header: control ? CONTROL_TOKEN_HEADER : null,
    }),
  );

  app.get("/api/workspaces", (c) =>
    c.json({
      workspaces: options.workspaces.map((w) => ({ id: w.id, name: w.name, root: w.paths.root })),
    }),
  );
  app.get("/api/w/:id/events", (c) => {
    const workspace = byId.get(c.req.param("id"));
    const watch = watches.get(c.req.param("id"));
    if (!workspace || !watch) throw unknownWorkspace(c.req.param("id"));
    return eventStreamResponse(c, workspace, watch);
  });
  if (token !== undefined) {
    app.route(
      "/api/w/:id/control",
      controlRoutes((id) => byId.get(id) ?? throwUnknown(id), token),
    );
  }
  app.route(
    "/api/w/:id",
    readRoutes((id) => byId.get(id) ?? throwUnknown(id)),
  );
  app.all("/api/*", (c) =>
    c.json(
      errorBody(
        new MillraceError("not_found", `no API route ${c.req.path}`, {
          hint: "GET /api/workspaces lists what is served.",
        }),
      ),
      404,
    ),
  );

  app.get("*", (c) => {
    const file = files.get(c.req.path);
    if (!file) return c.text("not found\n", 404);
    return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": file.type,
      "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    });
  });

  return {
    app,
    close() {
      for (const watch of watches.values()) watch.close();
    },
  };
}

function unknownWorkspace(id: string): MillraceError {
  return new MillraceError("not_found", `no served workspace has id ${JSON.stringify(id)}`, {
    hint: "GET /api/workspaces lists the served workspaces.",
  });
}

function throwUnknown(id: string): never {
  throw unknownWorkspace(id);
}
