// Types for the two files of @iarna/toml that src/toml.ts imports by path (the package's own
// index.d.ts describes only its main module).
declare module "@iarna/toml/parse-string.js" {
  export default function parseString(text: string): Record<string, unknown>;
}
declare module "@iarna/toml/stringify.js" {
  export default function stringify(value: Record<string, unknown>): string;
}
