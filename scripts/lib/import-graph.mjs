// Import extraction and cycle finding for scripts/check-layers.mjs. Regex-based on purpose: the
// checker runs on plain Node without a TypeScript parser, and our sources keep imports at the top.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|(?:^|[\s;])import\s+["']([^"']+)["']/gm;
// Lines that only mention an import in prose (JSDoc, line comments) do not count.
const COMMENT_LINE_RE = /^\s*(?:\*|\/\/).*$/gm;
const SOURCE_RE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

/** Every source file under dir (no node_modules, dist, dot-folders or declaration files), sorted. */
export function listSources(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (SOURCE_RE.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/** The imports of a source text: each specifier with its 1-based line. Type-only imports included. */
export function importsOf(source) {
  const text = source.replace(COMMENT_LINE_RE, (line) => " ".repeat(line.length));
  const out = [];
  for (const match of text.matchAll(IMPORT_RE)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    const offset = match.index + match[0].indexOf(specifier);
    out.push({ specifier, line: text.slice(0, offset).split("\n").length });
  }
  return out;
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`); undefined for relative ones. */
export function packageOf(specifier) {
  if (specifier.startsWith(".") || path.isAbsolute(specifier)) return undefined;
  if (specifier.startsWith("node:")) return specifier.slice("node:".length).split("/")[0];
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const REWRITES = [
  [/\.js$/, [".ts", ".tsx", ".js"]],
  [/\.mjs$/, [".mts", ".mjs"]],
  [/\.cjs$/, [".cts", ".cjs"]],
];

/** The source file a relative specifier points to (TypeScript's `.js` → `.ts` mapping), if it exists. */
export function resolveRelative(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [];
  for (const [pattern, extensions] of REWRITES) {
    if (pattern.test(base)) for (const ext of extensions) candidates.push(base.replace(pattern, ext));
  }
  candidates.push(base, `${base}.ts`, `${base}.mjs`, `${base}.js`, path.join(base, "index.ts"));
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/**
 * The cycles of a directed graph (Map node → Set of nodes): one per strongly connected component
 * with more than one node or a self-edge, as { members (sorted), path (start … start) }.
 */
export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let counter = 0;
  // Iterative Tarjan, so a long import chain cannot overflow the call stack.
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work = [{ node: root, next: [...(graph.get(root) ?? [])].sort(), i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.i < frame.next.length) {
        const to = frame.next[frame.i++];
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: [...(graph.get(to) ?? [])].sort(), i: 0 });
        } else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node), index.get(to)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const members = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        members.push(member);
      } while (member !== frame.node);
      const selfEdge = graph.get(frame.node)?.has(frame.node);
      if (members.length > 1 || selfEdge) components.push(members.sort());
    }
  }
  return components.map((members) => ({ members, path: shortestLoop(graph, members) }));
}

/** The shortest path from the first member back to itself, staying inside the component. */
function shortestLoop(graph, members) {
  const inside = new Set(members);
  const start = members[0];
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const to of [...(graph.get(node) ?? [])].sort()) {
      if (!inside.has(to)) continue;
      if (to === start) {
        const loop = [start];
        for (let at = node; at !== start; at = previous.get(at)) loop.splice(1, 0, at);
        return [...loop, start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}
