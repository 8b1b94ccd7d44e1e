#!/usr/bin/env node
// Subprocess mode of the scripted runner: reads {request, scriptPath, workspaceRoot, runtimeRoot,
// now} as JSON on stdin, performs the same actions as the in-process mode, exits with the script's
// exit code. A `hang` waits until process control kills it.
import { StageRunRequestSchema } from "@millrace/contracts";
import { loadScriptFile, performScript } from "./perform.js";
import type { ScriptedEntryPayload } from "./subprocess.js";

async function main(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ScriptedEntryPayload;
  const request = StageRunRequestSchema.parse(payload.request);
  const script = loadScriptFile(payload.scriptPath);
  const outcome = await performScript(script, {
    request,
    workspaceRoot: payload.workspaceRoot,
    runtimeRoot: payload.runtimeRoot,
    now: new Date(payload.now),
    // Never resolves: the parent's deadline ends this process.
    stopped: new Promise<void>(() => {
      setInterval(() => {}, 1 << 30);
    }),
    output: {
      stdout: (chunk) => process.stdout.write(chunk),
      stderr: (chunk) => process.stderr.write(chunk),
    },
  });
  return outcome.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Flush stdout before leaving; the never-resolving stop promise holds an interval open.
    process.stdout.write("", () => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(
      `scripted runner failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
