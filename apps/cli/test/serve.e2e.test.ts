// `millrace serve` as a process: what it prints, what it refuses, how it stops.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ServeOutputSchema } from "@millrace/contracts";
import { describe, expect, it } from "vitest";
import { startServe } from "./dashboard-harness.js";
import { CLI_BIN, runCli, tempDir } from "./helpers.js";

function initialized(name: string): string {
  const root = path.join(tempDir("millrace-serve-"), name);
  expect(runCli(["init", root]).status).toBe(0);
  return root;
}

describe("millrace serve", () => {
  it("prints its URL and workspaces, serves the bundle and the API, and exits 143 on SIGTERM", async () => {
    const a = initialized("alpha");
    const b = initialized("beta");
    const serving = await startServe(["-w", a, "-w", b, "--port", "0"]);
    const index = await fetch(serving.url);
    expect(index.status).toBe(200);
    const html = await index.text();
    expect(html).toContain('<script type="module"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index.headers.get("Content-Security-Policy")).toContain("script-src 'self'");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    expect((await fetch(new URL(script, serving.url))).status).toBe(200);
    const listed = (await (await fetch(`${serving.url}api/workspaces`)).json()) as {
      workspaces: { id: string }[];
    };
    expect(listed.workspaces.map((w) => w.id)).toEqual(["alpha", "beta"]);
    expect(await serving.stop("SIGTERM")).toBe(143);
  });

  it("--json prints one serve-output line; SIGINT exits 130", async () => {
    const root = initialized("gamma");
    const child = spawn(process.execPath, [CLI_BIN, "serve", "-w", root, "--port", "0", "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const line = await new Promise<string>((resolve) =>
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.split("\n")[0] as string);
      }),
    );
    const parsed = ServeOutputSchema.parse(JSON.parse(line));
    expect(parsed).toMatchObject({
      host: "127.0.0.1",
      loopback: true,
      read_only: true,
      control_token: null,
      control_url: null,
    });
    expect(parsed.workspaces[0]?.root).toBe(root);
    const code = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGINT");
    expect(await code).toBe(130);
  });

  it("--open hands the URL (with its token) to $BROWSER, and only warns when no opener exists", async () => {
    const root = initialized("delta");
    const dir = tempDir("millrace-browser-");
    const opened = path.join(dir, "opened.txt");
    const browser = path.join(dir, "fake-browser");
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > "${opened}"\n`);
    chmodSync(browser, 0o755);
    const serve = (env: NodeJS.ProcessEnv) => {
      const child = spawn(
        process.execPath,
        [CLI_BIN, "serve", "-w", root, "--port", "0", "--json", "--open", "--allow-control"],
        { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } },
      );
      let out = "";
      let err = "";
      child.stderr.on("data", (chunk) => {
        err += chunk;
      });
      const line = new Promise<string>((resolve) =>
        child.stdout.on("data", (chunk) => {
          out += chunk;
          if (out.includes("\n")) resolve(out.split("\n")[0] as string);
        }),
      );
      const code = new Promise((resolve) => child.on("exit", resolve));
      return { child, line, code, stderr: () => err };
    };
    const first = serve({ BROWSER: browser });
    const output = ServeOutputSchema.parse(JSON.parse(await first.line));
    const deadline = Date.now() + 10_000;
    while (!existsSync(opened) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(opened, "utf8")).toBe(output.control_url);
    first.child.kill("SIGTERM");
    expect(await first.code).toBe(143);

    const second = serve({ BROWSER: "", PATH: tempDir("millrace-empty-path-") });
    const served = ServeOutputSchema.parse(JSON.parse(await second.line));
    expect((await fetch(served.url)).status).toBe(200);
    second.child.kill("SIGTERM");
    expect(await second.code).toBe(143);
    expect(second.stderr()).toContain("warning: --open: no browser opener found (xdg-open is not on PATH)");
  });

  it("warns loudly on stderr when bound to a non-loopback address", async () => {
    const root = initialized("delta");
    const child = spawn(
      process.execPath,
      [CLI_BIN, "serve", "-w", root, "--port", "0", "--host", "0.0.0.0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        err += chunk;
        if (err.includes("no authentication")) resolve();
      }),
    );
    expect(err).toContain("WARNING: the dashboard listens on a non-loopback address");
    const code = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await code).toBe(143);
  });

  it("with --allow-control prints the ?token= URL, and warns that the token travels in clear off loopback", async () => {
    const root = initialized("delta-control");
    const child = spawn(
      process.execPath,
      [CLI_BIN, "serve", "-w", root, "--port", "0", "--host", "0.0.0.0", "--allow-control"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (chunk) => {
        err += chunk;
        if (err.includes("--allow-control")) resolve();
      }),
    );
    expect(err).toContain("whoever sees the token");
    await expect.poll(() => out, { timeout: 20_000 }).toContain("control allowed (issuer web)");
    expect(out).toMatch(/^dashboard: http:\/\/0\.0\.0\.0:\d+\/\?token=[0-9a-f]{64}$/m);
    const code = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    expect(await code).toBe(143);
  });

  it("refuses bad input with a one-line error, a hint and its exit status", () => {
    const root = initialized("epsilon");
    const port = runCli(["serve", "-w", root, "--port", "70000"]);
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/^error: --port must be a whole number from 0 to 65535, got 70000\nhint: /);
    const host = runCli(["serve", "-w", root, "--host", "a b"]);
    expect(host.status).toBe(2);
    const missing = runCli(["serve", "-w", path.join(root, "nope")]);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toContain("not an initialized");
    // --allow-control exists (dashboard-control.browser.e2e); an unknown flag is still refused.
    const unknown = runCli(["serve", "-w", root, "--allow-everything"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown argument");
  });

  it("fails with dashboard_listen_failed when the port is taken", async () => {
    const root = initialized("zeta");
    const first = await startServe(["-w", root, "--port", "0"]);
    const second = runCli(["serve", "-w", root, "--port", String(first.port), "--json"]);
    expect(second.status).toBe(1);
    expect(second.json<{ error: { code: string; hint: string } }>().error.code).toBe(
      "dashboard_listen_failed",
    );
    await first.stop();
  });
});

describe("--workspace given twice", () => {
  it("is refused by every command but serve", () => {
    const root = initialized("eta");
    const run = runCli(["status", "-w", root, "-w", root]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      "error: --workspace was given 2 times\nhint: Give --workspace once; only `millrace supervisor report` and `millrace serve` take several.\n",
    );
  });
});
