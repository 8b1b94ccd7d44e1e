/** Display helpers: numbers, durations and times as people read them. */

export function num(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toLocaleString("en-US");
}

export function usd(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `$${value.toFixed(4)}`;
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (value < 60) return `${value.toFixed(1)}s`;
  const m = Math.floor(value / 60);
  if (m < 60) return `${m}m ${Math.round(value % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function since(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : seconds(Math.max(0, (now - ms) / 1000));
}

export function time(iso: string | null | undefined): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  return Number.isNaN(ms)
    ? iso
    : new Date(ms)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z");
}

export function tokens(
  usage: { input_tokens: number; output_tokens: number; total_tokens: number } | null,
): string {
  return usage
    ? `${num(usage.total_tokens)} (in ${num(usage.input_tokens)} / out ${num(usage.output_tokens)})`
    : "—";
}
