import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { explainUnsafeId, MillraceError, type TaskDocument, workDocumentId } from "@millrace/contracts";
import { importWorkDocument, parseWorkDocument } from "@millrace/queue-store";
import { runDir, toWorkspaceRelative } from "@millrace/workspace";
import { type EngineContext, recordEvent } from "../state/context.js";
import type { StageCompletion } from "./stage-completion.js";

/** `Label: value` lines of a recon packet (the first occurrence of each label wins). */
function packetLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
    if (match?.[1] && !labels.has(match[1].toLowerCase()))
      labels.set(match[1].toLowerCase(), (match[2] ?? "").trim());
  }
  return labels;
}

function reconInvalid(message: string): MillraceError {
  return new MillraceError("work_document_invalid", `recon hand-off refused: ${message}`, {
    details: { runtime_error_code: "recon_handoff_invalid" },
  });
}

/**
 * Effects of a recon hand-off: the recon packet must name this probe and agree with the outcome;
 * the generated task or spec is stamped with the probe's lineage and queued; the packet is archived
 * under `recon/packets/<packet id>.md`. Any violation blocks the probe (`recon_handoff_invalid`).
 */ export function applyReconEffect(
  ctx: EngineContext,
  completion: StageCompletion,
  kind: "task" | "spec",
): void {
  const probeId = completion.run.work_item_id as string;
  const dir = runDir(ctx.paths, completion.run.run_id);
  const packetFile = path.join(dir, "recon_packet.md");
  if (!existsSync(packetFile)) throw reconInvalid("the run folder has no recon_packet.md");
  const labels = packetLabels(readFileSync(packetFile, "utf8"));
  const expectedDecision = kind === "task" ? "to_execution" : "to_planning";
  if (labels.get("probe-id") !== probeId) {
    throw reconInvalid(`recon_packet.md names probe ${labels.get("probe-id") ?? "none"}, not ${probeId}`);
  }
  if ((labels.get("decision") ?? "").toLowerCase() !== expectedDecision) {
    throw reconInvalid(
      `recon_packet.md decides ${labels.get("decision") ?? "nothing"}, but the outcome hands off ${expectedDecision}`,
    );
  }
  const packetId = labels.get("recon-packet-id") || `${probeId}-${completion.run.run_id}`;
  if (explainUnsafeId(packetId))
    throw reconInvalid(`Recon-Packet-ID ${JSON.stringify(packetId)} is not a safe id`);
  const base = kind === "task" ? "generated_task" : "generated_spec";
  const file = [".md", ".json"]
    .map((ext) => path.join(dir, `${base}${ext}`))
    .find((candidate) => existsSync(candidate));
  if (!file)
    throw reconInvalid(
      `the outcome hands off to ${kind === "task" ? "execution" : "planning"} but there is no ${base}.md`,
    );
  const text = readFileSync(file, "utf8");
  const relative = toWorkspaceRelative(ctx.paths, file);
  const doc = file.endsWith(".json")
    ? importWorkDocument(text, kind, relative)
    : parseWorkDocument(text, { file: relative, kind });
  const id = workDocumentId(doc);
  const emitted = labels.get(kind === "task" ? "emitted-task-id" : "emitted-spec-id");
  if (emitted && emitted !== id) throw reconInvalid(`recon_packet.md emits ${emitted}, but ${base} is ${id}`);
  if (ctx.queue.find(id)) return; // already queued by an earlier application of this result
  mkdirSync(ctx.paths.reconPackets, { recursive: true });
  const copy = path.join(ctx.paths.reconPackets, `${packetId}.md`);
  if (!existsSync(copy)) copyFileSync(packetFile, copy);
  const references = [
    ...(doc as TaskDocument).references,
    `millrace-agents/probes/active/${probeId}.md`,
    toWorkspaceRelative(ctx.paths, copy),
  ];
  const stamped = {
    ...doc,
    root_intake_kind: "probe",
    root_intake_id: probeId,
    references,
    ...(kind === "spec"
      ? {
          source_type: "probe",
          source_id: probeId,
          root_spec_id: (doc as { root_spec_id?: string }).root_spec_id ?? id,
        }
      : {}),
  };
  ctx.queue.enqueue(kind, stamped as never);
  recordEvent(ctx, "recon_handoff_enqueued", { probe_id: probeId, kind, id, recon_packet_id: packetId });
}
