import { MillraceError } from "@millrace/contracts";

/** The HTTP status for a failure: the CLI's `--json` error body, with a status that matches its code. */
export function httpStatusOf(error: unknown): 400 | 403 | 404 | 409 | 500 {
  if (!MillraceError.isInstance(error)) return 500;
  if (error.code === "workspace_path_escapes") return 403;
  if (error.code.endsWith("not_found")) return 404;
  if (error.exitStatus === 2) return 400;
  if (error.exitStatus === 3) return 409;
  return 500;
}

/** The `cli-error` shape (`{ error: { code, message, hint, details } }`). */
export function errorBody(error: unknown): {
  error: { code: string; message: string; hint: string; details: Record<string, unknown> };
} {
  if (MillraceError.isInstance(error)) {
    const body = error.toJSON() as ReturnType<typeof errorBody>;
    // Where a link leads outside the workspace is not the page's business.
    if (error.code === "workspace_path_escapes") body.error.details = {};
    return body;
  }
  return {
    error: {
      code: "internal_error",
      message: error instanceof Error ? error.message : String(error),
      hint: "This is a bug in the dashboard server; please report it with the request that caused it.",
      details: {},
    },
  };
}
