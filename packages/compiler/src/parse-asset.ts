import type { z } from "zod";
import type { AssetFile, AssetSource } from "./asset-source.js";
import type { IssueList } from "./issues.js";

function issuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(document)" : path.map((part) => String(part)).join(".");
}

/**
 * Reads one asset file and checks it against its schema. Every problem becomes an issue naming the
 * file and the key; the result is undefined when the file is unusable.
 */
export function parseAsset<S extends z.ZodType>(
  source: AssetSource,
  file: AssetFile,
  schema: S,
  issues: IssueList,
  what: string,
): z.infer<S> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(source.read(file));
  } catch (error) {
    issues.error(
      "asset_invalid_json",
      file.displayPath,
      null,
      `${what} is not valid JSON (${(error as Error).message})`,
      "repair the JSON syntax",
    );
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const unknownKeys = issue.code === "unrecognized_keys" ? ` ${issue.keys.join(", ")}` : "";
    issues.error(
      "asset_schema",
      file.displayPath,
      issuePath(issue.path),
      `${what} field is invalid: ${issue.message}${unknownKeys}`,
      issue.code === "unrecognized_keys"
        ? "remove the unknown key (see docs/compiled-plans.md for the asset format)"
        : "correct the value (see docs/compiled-plans.md for the asset format)",
    );
  }
  return undefined;
}
