import { type PauseSource, PauseSourceSchema, type RuntimeSnapshot } from "@millrace/contracts";

/** The pause sources in their canonical order; `paused` follows them. */
function withSources(snapshot: RuntimeSnapshot, sources: Set<PauseSource>): RuntimeSnapshot {
  const ordered = PauseSourceSchema.options.filter((source) => sources.has(source));
  return { ...snapshot, pause_sources: ordered, paused: ordered.length > 0 };
}

/** Adds one pause source; the others stay (each source is lifted only by its owner). */
export function addPauseSource(snapshot: RuntimeSnapshot, source: PauseSource): RuntimeSnapshot {
  return withSources(snapshot, new Set([...snapshot.pause_sources, source]));
}

/** Removes one pause source; the others stay. */
export function removePauseSource(snapshot: RuntimeSnapshot, source: PauseSource): RuntimeSnapshot {
  const sources = new Set(snapshot.pause_sources);
  sources.delete(source);
  return withSources(snapshot, sources);
}
