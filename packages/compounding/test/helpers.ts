import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { type WorkspacePaths, workspacePaths } from "@millrace/workspace";
import { afterEach } from "vitest";
import type { StageCompletionInput } from "../src/index.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = "millrace-compounding-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function tempWorkspace(): WorkspacePaths {
  const paths = workspacePaths(tempDir());
  mkdirSync(paths.state, { recursive: true });
  return paths;
}

export const RUN = "run-0000000000000000000000000000000a";
export const OTHER_RUN = "run-0000000000000000000000000000000b";

let requests = 0;
export function requestId(): string {
  requests += 1;
  return `request-${requests.toString(16).padStart(32, "0")}`;
}

export function completion(overrides: Partial<StageCompletionInput> = {}): StageCompletionInput {
  return {
    runId: RUN,
    requestId: requestId(),
    stage: "builder",
    terminalResult: "BUILDER_COMPLETE",
    finalMessage: [
      "## Run the integration suite with the local database",
      "",
      "The integration tests need `DATABASE_URL` pointing at the docker database; start it first.",
      "",
      "1. `docker compose up -d db`",
      "2. `npm run test:integration`",
      "",
      "### BUILDER_COMPLETE",
    ].join("\n"),
    completedAt: "2026-04-28T10:00:00Z",
    evidenceRefs: [`millrace-agents/runs/${RUN}/stage_results/x.json`],
    ...overrides,
  };
}

export function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export function writeJson(file: string, value: unknown): void {
  write(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** A skill folder with valid front matter plus any extra files. */
export function skillFolder(base: string, name: string, extra: Record<string, string> = {}): string {
  const dir = path.join(base, name);
  write(
    path.join(dir, "SKILL.md"),
    `---\nname: ${name}\ndescription: How to ${name.replaceAll("-", " ")} in this project.\n---\n\n# ${name}\n\nSteps.\n`,
  );
  for (const [rel, text] of Object.entries(extra)) write(path.join(dir, rel), text);
  return dir;
}

export interface TarInput {
  readonly path: string;
  readonly data?: string;
  /** '0' file (default), '5' folder, '2' symlink. */
  readonly type?: "0" | "5" | "2";
  readonly mode?: number;
}

function header(name: string, size: number, type: string, mode: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, "utf8");
  block.write(`${mode.toString(8).padStart(7, "0")}\0`, 100, 8, "ascii");
  block.write("0000000\0", 108, 8, "ascii");
  block.write("0000000\0", 116, 8, "ascii");
  block.write(`${size.toString(8).padStart(11, "0")}\0`, 124, 12, "ascii");
  block.write("00000000000\0", 136, 12, "ascii");
  block.write("        ", 148, 8, "ascii");
  block.write(type, 156, 1, "ascii");
  block.write("ustar\0", 257, 6, "ascii");
  block.write("00", 263, 2, "ascii");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return block;
}

/** A gzipped ustar archive, the shape `npm pack` writes. */
export function tarball(file: string, entries: readonly TarInput[]): string {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? "");
    const type = entry.type ?? "0";
    parts.push(
      header(entry.path, type === "0" ? data.length : 0, type, entry.mode ?? (type === "5" ? 0o755 : 0o644)),
    );
    if (type === "0") {
      parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  parts.push(Buffer.alloc(1024));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, gzipSync(Buffer.concat(parts)));
  return file;
}
