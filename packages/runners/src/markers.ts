import type { RunnerRawResultInput, StageRunRequest } from "@millrace/contracts";

const MARKER_LINE = /^###\s+([A-Z][A-Z0-9_]*)\s*$/;

/** Every `### TOKEN` line in the text (stripped lines only), in order of appearance. */
export function markerTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const line of text.split("\n")) {
    const match = MARKER_LINE.exec(line.trim());
    if (match?.[1]) tokens.push(match[1]);
  }
  return tokens;
}

export function legalTokens(request: StageRunRequest): Set<string> {
  return new Set(request.legal_terminal_markers.map((marker) => marker.replace(/^###\s+/, "")));
}

/**
 * The legal token a final message ends with, when it is the only legal marker line and the last
 * non-empty line; otherwise undefined.
 */
export function finalLegalToken(request: StageRunRequest, finalText: string): string | undefined {
  const legal = legalTokens(request);
  const lines = finalText.split("\n").map((line) => line.trim());
  const legalLines = lines.filter((line) => {
    const token = MARKER_LINE.exec(line)?.[1];
    return token !== undefined && legal.has(token);
  });
  const last = [...lines].reverse().find((line) => line.length > 0);
  if (legalLines.length !== 1 || last === undefined || legalLines[0] !== last) return undefined;
  return MARKER_LINE.exec(last)?.[1];
}

/**
 * DESIGN decision 6: only after a real timeout, if the agent had already printed its one legal
 * final marker, the run counts as completed; the observed outcome is kept beside it.
 */
export function reconcileAfterTimeout<T extends RunnerRawResultInput>(
  request: StageRunRequest,
  raw: T,
  finalText: string | undefined,
): T {
  if (raw.exit_kind !== "timeout" || !finalText) return raw;
  const token = finalLegalToken(request, finalText);
  if (token === undefined) return raw;
  return {
    ...raw,
    exit_kind: "completed",
    exit_code: 0,
    observed_exit_kind: raw.exit_kind,
    observed_exit_code: raw.exit_code ?? null,
    failure_class: null,
    notes: [...(raw.notes ?? []), `runner timeout reconciled after final terminal marker ### ${token}`],
  };
}
