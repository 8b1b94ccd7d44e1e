import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ServeOutput } from "@millrace/contracts";
import type { MillraceCommand } from "../command.js";
import { listenForInterrupt } from "../interrupt.js";

interface ServeArgs {
  port: number;
  host: string;
  open: boolean;
  allowControl: boolean;
}

/** The dashboard's built frontend, copied into this package at build time (scripts/copy-web.mjs). */
export function webBundleRoot(): string {
  // This module runs from dist/commands/ (tsc output) or from a bundle chunk in dist/ itself.
  for (const relative of ["../web", "./web"]) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path.join(dir, "index.html"))) return dir;
  }
  return fileURLToPath(new URL("./web", import.meta.url));
}

/** Loud on purpose: anyone who can reach the address can read every run, prompt and document. */
function nonLoopbackWarning(url: string, control: boolean): string {
  return [
    "WARNING: the dashboard listens on a non-loopback address:",
    `WARNING:   ${url}`,
    "WARNING: anyone who can reach it can read the workspaces' runs, prompts and documents.",
    "WARNING: there is no authentication; prefer the default --host 127.0.0.1 and an SSH tunnel.",
    ...(control
      ? [
          "WARNING: --allow-control: whoever sees the token (sent in clear over HTTP) can pause, stop and add work.",
        ]
      : []),
  ].join("\n");
}

/** `serve`: the web dashboard for one or more workspaces (read-only unless --allow-control), until Ctrl-C. */
export const serveCommand: MillraceCommand<ServeArgs> = {
  command: "serve",
  manyWorkspaces: true,
  describe:
    "Serve the live web dashboard (read-only unless --allow-control) for one or more workspaces until Ctrl-C",
  builder: (yargs) =>
    yargs
      .option("port", { type: "number", default: 8765, describe: "TCP port (0 picks a free one)" })
      .option("host", {
        type: "string",
        default: "127.0.0.1",
        describe: "Address to bind; anything but loopback prints a warning (the dashboard has no login)",
      })
      .option("open", {
        type: "boolean",
        default: false,
        describe: "Open the dashboard in a browser ($BROWSER, else xdg-open / open) once it listens",
      })
      .option("allow-control", {
        type: "boolean",
        default: false,
        describe:
          "Let the page pause, resume, stop, add tasks, requeue and decide approvals (issuer web), behind a token printed in the URL",
      }),
  examples: [
    ["$0 serve", "The dashboard of the workspace here, at http://127.0.0.1:8765/"],
    ["$0 serve -w ws-a -w ws-b --port 9000", "Two workspaces in one dashboard"],
    ["$0 serve --allow-control", "Also control the daemon from the page (open the ?token=... URL printed)"],
  ],
  async handler(args, ctx) {
    const workspaces = [...ctx.workspaces];
    const { startDashboardServer } = await import("@millrace/server");
    const interrupt = listenForInterrupt();
    try {
      const running = await startDashboardServer({
        workspaces,
        host: args.host,
        port: args.port,
        staticRoot: webBundleRoot(),
        allowControl: args.allowControl,
      });
      if (!running.loopback)
        ctx.io.stderr(`${nonLoopbackWarning(running.url, running.controlToken !== null)}\n`);
      const output: ServeOutput = {
        url: running.url,
        host: running.host,
        port: running.port,
        loopback: running.loopback,
        read_only: running.controlToken === null,
        control_token: running.controlToken,
        control_url: running.controlUrl,
        workspaces: running.workspaces.map((w) => ({ id: w.id, name: w.name, root: w.paths.root })),
      };
      if (ctx.json) ctx.io.stdout(`${JSON.stringify(output)}\n`);
      else {
        ctx.line(`dashboard: ${running.controlUrl ?? running.url}`);
        for (const w of output.workspaces) ctx.line(`workspace: ${w.id} ${w.root}`);
        ctx.line(
          running.controlUrl
            ? "control allowed (issuer web): the token in the URL is the key, keep it private; Ctrl-C to stop"
            : "read-only; Ctrl-C to stop",
        );
      }
      if (args.open) {
        const { openUrl } = await import("@millrace/runners");
        const opened = openUrl(running.controlUrl ?? running.url, { env: ctx.io.env });
        // Never fatal: the URL is printed above, and the dashboard serves either way.
        if (!opened.ok) ctx.io.stderr(`warning: --open: ${opened.detail}\n`);
      }
      await new Promise<void>((resolve) => {
        if (interrupt.signal.aborted) resolve();
        interrupt.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await running.close();
      return interrupt.exitStatus() ?? 0;
    } finally {
      interrupt.dispose();
    }
  },
};
