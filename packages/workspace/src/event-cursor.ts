/**
 * A position in a segmented event log: a segment number (1 for the first, the live file's number
 * is one more than the highest rotated one) and a byte offset inside that segment.
 */
export interface EventCursor {
  readonly segment: number;
  readonly offset: number;
}

export function isEventCursor(value: unknown): value is EventCursor {
  if (typeof value !== "object" || value === null) return false;
  const { segment, offset } = value as { segment?: unknown; offset?: unknown };
  return (
    Number.isSafeInteger(segment) &&
    (segment as number) >= 1 &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0
  );
}
