import { lazySchema, MillraceError, PlaneSchema } from "@millrace/contracts";
import { z } from "zod";

/** The largest control request body accepted (a task body included); larger ones get 413. */
export const CONTROL_BODY_CAP_BYTES = 64 * 1024;

const Reason = z.string().trim().min(1).max(500);

/** pause, resume, stop: nothing to say. */
export const EmptyBodySchema = lazySchema(() => z.strictObject({}));

export const AddTaskBodySchema = lazySchema(() =>
  z.strictObject({
    title: z.string().trim().min(1).max(200),
    body: z.string().max(60_000).optional(),
    id: z.string().min(1).max(120).optional(),
    spec_id: z.string().min(1).max(120).optional(),
  }),
);

/** retry_active: the plane whose active item goes back to the queue. */
export const RetryActiveBodySchema = lazySchema(() =>
  z.strictObject({
    scope: PlaneSchema,
    reason: Reason.optional(),
  }),
);

/** release_work_item: a parked item is claimed again, optionally with more budget. */
export const ReleaseBodySchema = lazySchema(() =>
  z.strictObject({
    work_item_id: z.string().min(1).max(120),
    add_budget: z.number().positive().finite().optional(),
    reason: Reason.optional(),
  }),
);

export const DecisionBodySchema = lazySchema(() => z.strictObject({ reason: Reason.optional() }));

/** Parses a JSON body text with `schema`; an empty body counts as `{}`. Failures are 400s. */
export function parseBody<T>(schema: z.ZodType<T>, text: string): T {
  let raw: unknown = {};
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new MillraceError("usage_invalid_argument", "the request body is not JSON", {
        hint: 'Send a JSON object, e.g. {"title": "..."} with Content-Type: application/json.',
      });
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    throw new MillraceError("usage_invalid_argument", `invalid request body: ${where}: ${issue?.message}`, {
      hint: "See docs/dashboard.md (Control) for each route's body.",
    });
  }
  return parsed.data;
}
