import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { CLI_BIN } from "./helpers.js";

/** Debian's chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. Never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Screenshots land here (gitignored); a few are copied into docs/images by hand. */
export const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test-artifacts",
  "dashboard",
);

/** One headless Chromium per test file. Fails loudly (never skips) when the browser is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (Debian), or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu"],
  });
}

export interface Serving {
  url: string;
  port: number;
  /** Under --allow-control: the token, and the URL with `?token=...`; null otherwise. */
  controlToken: string | null;
  controlUrl: string | null;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `millrace serve --json` and waits for its first line (the URL). */
export function startServe(args: string[]): Promise<Serving> {
  const child = spawn(process.execPath, [CLI_BIN, "serve", "--json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr?.on("data", (chunk) => {
      err += chunk;
    });
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const newline = out.indexOf("\n");
      if (newline < 0) return;
      const line = JSON.parse(out.slice(0, newline)) as {
        url: string;
        port: number;
        control_token: string | null;
        control_url: string | null;
      };
      resolve({
        url: line.url,
        port: line.port,
        controlToken: line.control_token,
        controlUrl: line.control_url,
        process: child,
        stop: (signal = "SIGTERM") => {
          child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`millrace serve exited (${code}) before listening: ${err}`)));
  });
}

/** Starts `millrace run daemon` on a workspace. */
export function startDaemon(root: string): { process: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI_BIN, "run", "daemon", "-w", root], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return { process: child, exited: new Promise((resolve) => child.on("exit", (code) => resolve(code))) };
}

/** A browser, one page on a served workspace, and what the page complained about. */
export interface DashboardSession {
  browser: Browser;
  page: Page;
  serving: Serving;
  /** Script errors and console errors not matching `expectedErrors`: a test expects none. */
  problems: string[];
  /** Daemons a test started; `closeDashboard` kills them. */
  daemons: ReturnType<typeof startDaemon>[];
}

/**
 * Launches Chromium, serves `root` with `serveArgs` and opens a 1280×900 page that records page
 * errors and console errors, except those matching `expectedErrors` (a refused request a test
 * provokes on purpose).
 */
export async function openDashboard(
  root: string,
  serveArgs: string[],
  expectedErrors: RegExp,
): Promise<DashboardSession> {
  const browser = await launchChromium();
  const serving = await startServe(["-w", root, "--port", "0", ...serveArgs]);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !expectedErrors.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return { browser, page, serving, problems, daemons: [] };
}

/** Kills the daemons a test started, stops the server and closes the browser. */
export async function closeDashboard(
  session: DashboardSession | undefined,
  serving?: Serving,
): Promise<void> {
  if (session === undefined) return;
  for (const daemon of session.daemons) daemon.process.kill("SIGKILL");
  await (serving ?? session.serving).stop();
  await session.browser.close();
}
