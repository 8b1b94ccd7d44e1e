import type { UsageLedgerEntry } from "@millrace/contracts";

// Why: the zod parse of 100,000 ledger lines takes about a second at startup. Lines this runtime
// wrote are complete and well-typed, so they are checked by hand here; anything this check does
// not fully vouch for goes through the schema (which also gives the error message).

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const PLANES = new Set(["execution", "planning", "learning"]);
const WORK_ITEM_KINDS = new Set(["task", "spec", "incident", "learning_request", "probe"]);
const COST_SOURCES = new Set(["runner", "price_table", "unknown"]);
const USAGE_KEYS = new Set([
  "input_tokens",
  "cached_input_tokens",
  "output_tokens",
  "thinking_tokens",
  "total_tokens",
  "cache_write_input_tokens",
  "cost_usd",
]);

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isNullableString = (v: unknown) => v === null || typeof v === "string";
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isTime = (v: unknown) => typeof v === "string" && TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v));

function usageOk(u: unknown): boolean {
  if (typeof u !== "object" || u === null) return false;
  const usage = u as Record<string, unknown>;
  for (const key of Object.keys(usage)) if (!USAGE_KEYS.has(key)) return false;
  return (
    isCount(usage.input_tokens) &&
    isCount(usage.cached_input_tokens) &&
    isCount(usage.output_tokens) &&
    isCount(usage.thinking_tokens) &&
    isCount(usage.total_tokens) &&
    (usage.cache_write_input_tokens === undefined || isCount(usage.cache_write_input_tokens)) &&
    (usage.cost_usd === undefined || (typeof usage.cost_usd === "number" && usage.cost_usd >= 0))
  );
}

/** The entry when `value` is a complete ledger entry in the shape this runtime writes; else undefined. */
export function fastLedgerEntry(value: unknown): UsageLedgerEntry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    isString(e.dedupe_key) &&
    isTime(e.counted_at) &&
    isTime(e.stage_completed_at) &&
    PLANES.has(e.plane as string) &&
    isString(e.run_id) &&
    isString(e.stage_id) &&
    (e.stage_kind_id === null || isString(e.stage_kind_id)) &&
    (e.work_item_kind === null || WORK_ITEM_KINDS.has(e.work_item_kind as string)) &&
    isNullableString(e.work_item_id) &&
    isNullableString(e.lineage_root_id) &&
    usageOk(e.token_usage) &&
    isString(e.stage_result_path) &&
    isNullableString(e.daemon_session_id) &&
    isNullableString(e.runner_name) &&
    isNullableString(e.model_name) &&
    (e.cost_usd === null || (typeof e.cost_usd === "number" && e.cost_usd >= 0)) &&
    COST_SOURCES.has(e.cost_source as string);
  return ok ? (value as UsageLedgerEntry) : undefined;
}
