#!/usr/bin/env node
// Installs the three real agent CLIs, pinned, into this package's private cache folder (.clis/),
// outside the workspace's everyday `pnpm install`. Idempotent: when every pinned version is already
// present it does nothing. Uses npm (not pnpm) into a folder of its own, so Claude Code's postinstall
// (which puts the native binary in place) runs without touching the workspace's build-script allowlist.
//
// Exit status: 0 installed or already present; 1 install failed. When the failure is that the npm
// registry cannot be reached, it writes `.clis/registry-unreachable` and exits 0 so that the suite
// runs and skips every case loudly with that reason; any other failure fails the test run.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_CACHE_DIR, CLI_PINS, installedVersion, REGISTRY_UNREACHABLE_FILE } from "./pins.mjs";

/** npm error codes that mean "no route to the registry", as opposed to a broken package. */
const UNREACHABLE_PATTERN =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\b/;

function missingPins() {
  return CLI_PINS.filter((pin) => installedVersion(pin.package) !== pin.version);
}

function runNpmInstall() {
  const args = [
    "install",
    "--prefix",
    CLI_CACHE_DIR,
    "--no-audit",
    "--no-fund",
    "--no-save",
    "--no-package-lock",
    // Claude Code's postinstall copies its native binary into place; it must run.
    "--ignore-scripts=false",
    `--fetch-retries=${process.env.MILLRACE_CONTRACT_FETCH_RETRIES ?? "2"}`,
    ...CLI_PINS.map((pin) => `${pin.package}@${pin.version}`),
  ];
  return new Promise((resolve) => {
    const child = spawn("npm", args, { stdio: ["ignore", "inherit", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.on("error", (error) => resolve({ status: 1, stderr: String(error) }));
    child.on("close", (status) => resolve({ status: status ?? 1, stderr }));
  });
}

async function main() {
  rmSync(REGISTRY_UNREACHABLE_FILE, { force: true });
  const missing = missingPins();
  if (missing.length === 0) {
    console.log(`install-clis: pinned CLIs already present in ${CLI_CACHE_DIR}`);
    return 0;
  }
  console.log(
    `install-clis: installing ${missing.map((pin) => `${pin.package}@${pin.version}`).join(", ")} into ${CLI_CACHE_DIR} (about 1 GB)`,
  );
  mkdirSync(CLI_CACHE_DIR, { recursive: true });
  // A manifest of its own stops npm from walking up into the pnpm workspace.
  writeFileSync(
    path.join(CLI_CACHE_DIR, "package.json"),
    `${JSON.stringify(
      {
        name: "millrace-contract-clis",
        private: true,
        description: "Generated cache of @millrace/runner-contract-tests; not committed.",
        // Newer npm releases run dependency install scripts only when allowed here.
        allowScripts: { "@anthropic-ai/claude-code": true },
      },
      null,
      2,
    )}\n`,
  );
  const started = Date.now();
  const result = await runNpmInstall();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    if (UNREACHABLE_PATTERN.test(result.stderr)) {
      const reason = result.stderr.match(UNREACHABLE_PATTERN)?.[0] ?? "network error";
      writeFileSync(
        REGISTRY_UNREACHABLE_FILE,
        `${reason} after ${seconds} s at ${new Date().toISOString()}\n`,
      );
      const banner = "!".repeat(100);
      console.error(
        `\n${banner}\ninstall-clis: THE NPM REGISTRY IS UNREACHABLE (${reason}).\n` +
          `The runner contract tests will be SKIPPED. This is not a pass.\n${banner}\n`,
      );
      return 0;
    }
    console.error(`install-clis: npm install failed with status ${result.status} after ${seconds} s`);
    return 1;
  }
  const stillMissing = missingPins();
  if (stillMissing.length > 0) {
    console.error(
      `install-clis: npm finished but these are not installed at the pinned version: ${stillMissing.map((pin) => pin.package).join(", ")}`,
    );
    return 1;
  }
  console.log(`install-clis: installed in ${seconds} s`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
