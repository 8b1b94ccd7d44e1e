import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { MillraceError } from "@millrace/contracts";
import { createDashboardApp } from "./app.js";
import { newControlToken } from "./control-token.js";
import { allowedAuthorities, isLoopbackHost } from "./host-guard.js";
import { type ServedWorkspace, servedWorkspaces } from "./workspaces.js";

export const DEFAULT_DASHBOARD_HOST = "127.0.0.1";
export const DEFAULT_DASHBOARD_PORT = 8765;

export interface DashboardServerOptions {
  /** Workspace roots; each must be initialized. */
  readonly workspaces: readonly string[];
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly staticRoot?: string | undefined;
  /** `--allow-control`: adds the control routes behind a token generated here. */
  readonly allowControl?: boolean;
}

export interface RunningDashboard {
  /** `http://host:port/` as a browser should open it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly loopback: boolean;
  readonly workspaces: readonly ServedWorkspace[];
  /** The control token (64 hex characters), or null when control is off. */
  readonly controlToken: string | null;
  /** `url` with `?token=...` (as a browser should open it to control), or null when control is off. */
  readonly controlUrl: string | null;
  /** Stops listening, ends open event streams and the log watchers. */
  close(): Promise<void>;
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MillraceError(
      "usage_invalid_argument",
      `--port must be a whole number from 0 to 65535, got ${port}`,
      {
        hint: "Pass e.g. --port 8765 (0 picks a free port).",
      },
    );
  }
}

function checkHost(host: string): void {
  if (host === "" || /[\s/@?#]/.test(host)) {
    throw new MillraceError(
      "usage_invalid_argument",
      `--host must be an address or host name, got ${JSON.stringify(host)}`,
      {
        hint: "Pass e.g. --host 127.0.0.1 (the default).",
      },
    );
  }
}

/** Starts the dashboard on `host:port` for the listed workspaces: read-only unless `allowControl`. */
export async function startDashboardServer(options: DashboardServerOptions): Promise<RunningDashboard> {
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const requestedPort = options.port ?? DEFAULT_DASHBOARD_PORT;
  checkHost(host);
  checkPort(requestedPort);
  const workspaces = servedWorkspaces(options.workspaces);
  let authorities: ReadonlySet<string> = new Set();
  const controlToken = options.allowControl ? newControlToken() : null;
  const dashboard = createDashboardApp({
    workspaces,
    staticRoot: options.staticRoot,
    controlToken: controlToken ?? undefined,
    authorities: () => authorities,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: dashboard.app.fetch, hostname: host, port: requestedPort }, () =>
      resolve(started),
    );
    started.once("error", (error: NodeJS.ErrnoException) => {
      dashboard.close();
      reject(
        new MillraceError(
          "dashboard_listen_failed",
          `cannot listen on ${host}:${requestedPort}: ${error.code ?? error.message}`,
          {
            hint:
              error.code === "EADDRINUSE"
                ? "Pick another --port, or stop what is using this one."
                : "Check that --host is an address of this machine.",
            cause: error,
          },
        ),
      );
    });
  });
  const port = (server.address() as AddressInfo).port;
  authorities = allowedAuthorities(host, port);
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;
  return {
    url,
    controlToken,
    controlUrl: controlToken ? `${url}?token=${controlToken}` : null,
    host,
    port,
    loopback: isLoopbackHost(host),
    workspaces,
    close: () =>
      new Promise<void>((resolve) => {
        dashboard.close();
        // Open event streams never end on their own: close them with the server.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
