// Shared helpers for the fake agent CLIs. Each fake is launched exactly like the real CLI and
// speaks its stdout protocol; the scenario comes from FAKE_SCENARIO (default "success").
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

export const scenario = process.env.FAKE_SCENARIO ?? "success";

/** Reads stdin to EOF (an unclosed pipe therefore hangs, like the real CLIs). */
export function readStdin() {
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on("data", (chunk) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** The first legal marker the prompt lists, like an obedient agent would print. */
export function legalMarkersFromPrompt(prompt) {
  const line = prompt.split("\n").find((l) => l.includes("legal markers for this stage are:"));
  if (!line) return [];
  return [...line.matchAll(/`(### [A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]);
}

/** The final message for a scenario. */
export function finalText(prompt) {
  if (process.env.FAKE_FINAL_TEXT !== undefined) return process.env.FAKE_FINAL_TEXT;
  const [first = "### BUILDER_COMPLETE"] = legalMarkersFromPrompt(prompt);
  switch (scenario) {
    case "illegal-marker":
      return "Work finished.\n### NOT_A_LEGAL_MARKER";
    case "no-marker":
      return "Work finished, but I forgot the marker.";
    case "two-markers":
      return `${first}\nOn second thought:\n### BLOCKED`;
    default:
      return `Work finished.\n${first}`;
  }
}

let splitToggle = false;
/** Writes one JSON line, sometimes split across two write() calls mid-line. */
export function emit(value) {
  const line = `${JSON.stringify(value)}\n`;
  splitToggle = !splitToggle;
  if (splitToggle && line.length > 24) {
    const cut = Math.floor(line.length / 2);
    process.stdout.write(line.slice(0, cut));
    process.stdout.write(line.slice(cut));
  } else {
    process.stdout.write(line);
  }
}

export const grandchildren = [];
/** Starts a `sleep` in its own process group, as Claude's and Pi's tools do, and returns its pid. */
export function spawnGrandchild() {
  const tag = process.env.FAKE_LEAK_TAG ?? "4242.4242";
  const child = spawn("sleep", [tag], { detached: true, stdio: "ignore" });
  child.unref();
  grandchildren.push(child.pid);
  return child.pid;
}

export function record(extra) {
  const file = process.env.FAKE_RECORD;
  if (!file) return;
  writeFileSync(
    file,
    JSON.stringify(
      {
        argv: process.argv.slice(2),
        cwd: process.cwd(),
        envNames: Object.keys(process.env).sort(),
        ...extra,
      },
      null,
      2,
    ),
  );
}

export function every(ms, fn) {
  return setInterval(fn, ms);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
