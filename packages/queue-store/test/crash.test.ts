import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEMP_FILE_PATTERN } from "@millrace/workspace";
import { describe, expect, it } from "vitest";
import { allQueueFolders, parseWorkDocument, reconcileQueue } from "../src/index.js";
import { tempWorkspace } from "./helpers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.join(here, "crash-worker.mjs");
const KILLS = Number(process.env.MILLRACE_CRASH_KILLS ?? 200);

function runUntilKilled(root: string, iteration: number, seed: number, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, root, String(iteration), String(seed)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let killedByUs = false;
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.stdout.once("data", () => {
      setTimeout(() => {
        killedByUs = true;
        child.kill("SIGKILL");
      }, delayMs);
    });
    child.on("exit", (code, signal) => {
      if (killedByUs && signal === "SIGKILL") resolve(stderr);
      else reject(new Error(`worker exited on its own (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

describe("crash safety", () => {
  it(`every document survives ${KILLS} SIGKILLs exactly once`, { timeout: 600_000 }, async () => {
    expect(existsSync(path.join(here, "..", "dist", "index.js")), "build the package first").toBe(true);
    const paths = tempWorkspace();
    let seed = 0x9e3779b9;
    const next = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    let everQuarantined = 0;
    for (let iteration = 0; iteration < KILLS; iteration += 1) {
      await runUntilKilled(paths.root, iteration, next(), next() % 40);
      const report = reconcileQueue(paths);
      expect(report.duplicates, `iteration ${iteration}`).toEqual([]);
      expect(report.multiple_active, `iteration ${iteration}`).toEqual([]);

      const seen = new Map<string, string>();
      for (const folder of allQueueFolders(paths)) {
        for (const name of readdirSync(folder.dir)) {
          expect(TEMP_FILE_PATTERN.test(name), `temp litter ${folder.key}/${name}`).toBe(false);
          if (name.endsWith(".md.invalid")) everQuarantined += 1;
          if (!name.endsWith(".md")) continue;
          const where = `${folder.key}/${name}`;
          if (name.startsWith("junk")) continue; // quarantined on the next claim of its folder
          const doc = parseWorkDocument(readFileSync(path.join(folder.dir, name), "utf8"), {
            kind: folder.kind,
          });
          expect(
            `${"task_id" in doc ? doc.task_id : "spec_id" in doc ? doc.spec_id : (doc as { incident_id: string }).incident_id}.md`,
          ).toBe(name);
          expect(seen.has(name), `${name} in ${seen.get(name)} and ${where}`).toBe(false);
          seen.set(name, where);
        }
      }
      expect(readdirSync(paths.state).filter((name) => TEMP_FILE_PATTERN.test(name))).toEqual([]);
      const journal = existsSync(path.join(paths.root, "journal.log"))
        ? readFileSync(path.join(paths.root, "journal.log"), "utf8").split("\n")
        : [];
      for (const line of journal) {
        if (line.startsWith("done ")) {
          const id = line.slice(5);
          expect(seen.has(`${id}.md`), `acknowledged ${id} lost after iteration ${iteration}`).toBe(true);
        }
      }
    }
    expect(everQuarantined).toBeGreaterThan(0);
  });
});
