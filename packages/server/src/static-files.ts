import { lstatSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The dashboard's built frontend, read into memory once at start: a fixed table from URL path to
 * bytes. Requests are answered from the table only, so no URL can reach a file outside the bundle
 * (no path joins at request time), and links inside the bundle folder are skipped, not followed.
 */

export interface StaticFile {
  readonly body: Uint8Array;
  readonly type: string;
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/** Bundle files bigger than this are a build mistake, not something to hold in memory. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

function walk(dir: string, prefix: string, out: Map<string, StaticFile>): void {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const file = path.join(dir, name);
    const stat = lstatSync(file);
    const url = `${prefix}/${name}`;
    if (stat.isDirectory()) walk(file, url, out);
    else if (stat.isFile() && stat.size <= MAX_FILE_BYTES) {
      const type = TYPES[path.extname(name).toLowerCase()];
      if (type) out.set(url, { body: readFileSync(file), type, immutable: url.startsWith("/assets/") });
    }
  }
}

/** URL path → file, with `/` answering `index.html`. Empty when the folder is missing. */
export function loadStaticBundle(root: string | undefined): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!root) return files;
  try {
    if (!lstatSync(root).isDirectory()) return files;
  } catch {
    return files;
  }
  walk(root, "", files);
  const index = files.get("/index.html");
  if (index) files.set("/", index);
  return files;
}
