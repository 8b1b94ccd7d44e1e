import { MillraceError } from "@millrace/contracts";
import { describeReadProblem, readRegularFile } from "@millrace/workspace";

/**
 * A blueprint stage's output the runtime will not apply. Nothing has been queued or moved when it
 * is thrown; the post-stage recovery routes the run to the blueprint Mechanic with this reason.
 */
export function blueprintRefused(what: string, message: string): MillraceError {
  return new MillraceError("work_document_invalid", `${what} refused: ${message}`, {
    hint: "Read the runtime error report in the run folder; the blueprint Mechanic repairs or re-plans it.",
    details: { runtime_error_code: "blueprint_effect_invalid" },
  });
}

/** The text of a run-folder artifact, at most `maxBytes`; undefined when the file does not exist. */
export function readArtifact(
  file: string,
  shownAs: string,
  maxBytes: number,
  what: string,
): string | undefined {
  const read = readRegularFile(file, { maxBytes, utf8: true, followLinks: false });
  if (read.kind === "ok") return read.text;
  if (read.kind === "missing") return undefined;
  if (read.kind === "too_large")
    throw blueprintRefused(what, `${shownAs} is ${read.size} bytes; the limit is ${maxBytes} bytes`);
  throw blueprintRefused(what, `${shownAs} ${describeReadProblem(read)}`);
}
