import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MillraceError, type ServeOutput } from "@millrace/contracts";
import type { MillraceCommand } from "../command.js";
import { listenForInterrupt } from "../interrupt.js";

interface ServeArgs {
  port: number;
  host: string;
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
function nonLoopbackWarning(url: string): string {
  return [
    "WARNING: the dashboard listens on a non-loopback address:",
    `WARNING:   ${url}`,
    "WARNING: anyone who can reach it can read the workspaces' runs, prompts and documents.",
    "WARNING: there is no authentication; prefer the default --host 127.0.0.1 and an SSH tunnel.",
  ].join("\n");
}

/** `serve`: the read-only web dashboard for one or more workspaces, until Ctrl-C. */
export const serveCommand: MillraceCommand<ServeArgs> = {
  command: "serve",
  manyWorkspaces: true,
  describe: "Serve the live web dashboard (read-only) for one or more workspaces until Ctrl-C",
  builder: (yargs) =>
    yargs
      .option("port", { type: "number", default: 8765, describe: "TCP port (0 picks a free one)" })
      .option("host", {
        type: "string",
        default: "127.0.0.1",
        describe: "Address to bind; anything but loopback prints a warning (the dashboard has no login)",
      }),
  examples: [
    ["$0 serve", "The dashboard of the workspace here, at http://127.0.0.1:8765/"],
    ["$0 serve -w ws-a -w ws-b --port 9000", "Two workspaces in one dashboard"],
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
      });
      if (!running.loopback) ctx.io.stderr(`${nonLoopbackWarning(running.url)}\n`);
      const output: ServeOutput = {
        url: running.url,
        host: running.host,
        port: running.port,
        loopback: running.loopback,
        read_only: true,
        workspaces: running.workspaces.map((w) => ({ id: w.id, name: w.name, root: w.paths.root })),
      };
      if (ctx.json) ctx.io.stdout(`${JSON.stringify(output)}\n`);
      else {
        ctx.line(`dashboard: ${running.url}`);
        for (const w of output.workspaces) ctx.line(`workspace: ${w.id} ${w.root}`);
        ctx.line("read-only; Ctrl-C to stop");
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
