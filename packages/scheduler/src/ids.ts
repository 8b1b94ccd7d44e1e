import { randomBytes } from "node:crypto";

/** Where run and request ids come from; injectable so tests get deterministic ids. */
export interface IdFactory {
  runId(): string;
  requestId(): string;
  /** Eight hex digits for command ids and the like. */
  shortHex(): string;
}

export const randomIds: IdFactory = {
  runId: () => `run-${randomBytes(16).toString("hex")}`,
  requestId: () => `request-${randomBytes(16).toString("hex")}`,
  shortHex: () => randomBytes(4).toString("hex"),
};

/** Sequential ids (`run-000…001`, …) for tests and deterministic embedding. */
export function sequentialIds(seed = 0): IdFactory {
  let counter = seed;
  const next = () => {
    counter += 1;
    return counter.toString(16).padStart(32, "0");
  };
  return {
    runId: () => `run-${next()}`,
    requestId: () => `request-${next()}`,
    shortHex: () => next().slice(-8),
  };
}
