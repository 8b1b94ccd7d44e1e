/** A table cell: pipes escaped, line breaks folded. */
export function cell(text) {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** An inline code span of a value (strings as they are, anything else as JSON). */
export function code(value) {
  return `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
}
