/**
 * Terminal safety for text that comes from workspace files (documents, ideas, agent output). A
 * cloned repository may hold escape sequences that clear the screen, retitle the window or hide
 * text; these helpers find such characters and make them visible. Pure: no I/O.
 */

/** C0 controls, DEL and C1 controls (U+0080–U+009F, where U+009B is a one-byte CSI). */
function isControlCodePoint(code: number): boolean {
  return code < 0x20 || code === 0x7f || (code >= 0x80 && code <= 0x9f);
}

/** Where a control character sits in a text, and which one it is. */
export interface ControlCharFound {
  /** UTF-16 index of the character. */
  readonly index: number;
  readonly codePoint: number;
  /** `U+001B`-style name for messages. */
  readonly name: string;
}

/**
 * The first control character of `text` that `allowed` does not list (by default newline, tab and
 * carriage return, which plain text needs), or undefined when the text has none.
 */
export function findControlChar(text: string, allowed = "\n\t\r"): ControlCharFound | undefined {
  for (let index = 0; index < text.length; index++) {
    const codePoint = text.charCodeAt(index);
    if (!isControlCodePoint(codePoint)) continue;
    if (allowed.includes(text[index] as string)) continue;
    return { index, codePoint, name: `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}` };
  }
  return undefined;
}

/**
 * Makes every control character except newline and tab visible, so text from a document cannot
 * drive the operator's terminal: C0 controls become their Unicode control pictures (ESC → `␛`,
 * NUL → `␀`, CR → `␍`), DEL becomes `␡`, and C1 controls become `\u{9b}`-style escapes.
 */
export function neutralizeControlChars(text: string): string {
  let out = "";
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (!isControlCodePoint(code) || code === 0x0a || code === 0x09) continue;
    out += text.slice(start, index);
    if (code < 0x20) out += String.fromCharCode(0x2400 + code);
    else if (code === 0x7f) out += "\u2421";
    else out += `\\u{${code.toString(16)}}`;
    start = index + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}
