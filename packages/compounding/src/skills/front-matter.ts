/**
 * The YAML-like front matter at the top of a SKILL.md: `---`, one `key: value` per line, `---`.
 * Only flat scalar keys are read (that is all a skill needs); quotes around a value are removed.
 */
export function parseFrontMatter(text: string): { fields: Record<string, string> } | { error: string } {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return { error: "SKILL.md must start with a `---` front-matter line" };
  const end = lines.findIndex((line, index) => index > 0 && line.trim() === "---");
  if (end < 0) return { error: "the front matter is not closed by a `---` line" };
  const fields: Record<string, string> = {};
  for (const line of lines.slice(1, end)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key = "", raw = ""] = match;
    fields[key] = raw.trim().replace(/^(["'])(.*)\1$/, "$2");
  }
  return { fields };
}
