import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  CapabilityEnforcementRecordSchema,
  RUN_ARTIFACT_NAMES,
  type RunCapabilityBlock,
  RunCapabilityBlockSchema,
  type RunStageCapabilities,
} from "@millrace/contracts";

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A stage's `capability_enforcement.<rid>.json`, or null (capabilities off, or the file is unreadable). */
export function stageCapabilities(runDir: string, requestId: string): RunStageCapabilities | null {
  const parsed = CapabilityEnforcementRecordSchema.safeParse(
    readJson(path.join(runDir, RUN_ARTIFACT_NAMES.capabilityEnforcement(requestId))),
  );
  if (!parsed.success) return null;
  const { runner_name, flags, summary, grants } = parsed.data;
  return { runner_name, flags, summary, grants };
}

/** The stages the capability gate blocked in this run (`capability_gate.<node>.json`), by name. */
export function capabilityBlocks(runDir: string): RunCapabilityBlock[] {
  let names: string[];
  try {
    names = readdirSync(runDir)
      .filter((name) => /^capability_gate\..+\.json$/.test(name))
      .sort();
  } catch {
    return [];
  }
  const blocks: RunCapabilityBlock[] = [];
  for (const name of names) {
    const raw = readJson(path.join(runDir, name)) as Record<string, unknown> | undefined;
    const findings = Array.isArray(raw?.findings)
      ? raw.findings.map((f: Record<string, unknown>) => ({
          grant_id: f.grant_id,
          capability_id: f.capability_id,
          failure_class: f.failure_class,
          reason: f.reason,
        }))
      : [];
    const parsed = RunCapabilityBlockSchema.safeParse({
      node_id: raw?.node_id,
      stage_kind_id: raw?.stage_kind_id,
      failure_class: raw?.failure_class ?? null,
      findings,
    });
    if (parsed.success) blocks.push(parsed.data);
  }
  return blocks;
}
