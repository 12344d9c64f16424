/**
 * Consumer text made inert for each channel's markup. Request messages, endpoint and connection
 * names and consumer ids come from another tenant; in an operator's message they must read as text
 * and never become a link, a mention, bold "Approved by Security" or a line of their own.
 *
 * Neither Teams nor Slack documents a backslash escape for its markup, so the characters that
 * start markup are swapped for their full-width look-alikes (U+FF01..U+FF5E), which no renderer
 * treats as syntax: the operator still reads the text, and it cannot format. The text is never
 * Unicode-normalised (NFKC would turn full-width brackets a consumer sent back into ASCII ones).
 */

/**
 * Invisible format characters (Unicode category Cf) that could hide or split markup: zero-width
 * space and joiners, word joiner, soft hyphen, bidi overrides and isolates, the byte-order mark.
 */
const INVISIBLE = /\p{Cf}/gu;
/** Line and paragraph breaks and every other control character (category Cc: C0, DEL, C1). */
const BREAKS_AND_CONTROLS = /[\p{Cc}\u2028\u2029]+/gu;

/** One line of plain text: invisibles dropped, breaks and controls folded to single spaces. */
export function plainLine(text: string): string {
  return text.replace(INVISIBLE, '').replace(BREAKS_AND_CONTROLS, ' ');
}

/** The full-width form of an ASCII punctuation character (U+0021..U+007E map to U+FF01..U+FF5E). */
function fullWidth(char: string): string {
  return String.fromCodePoint((char.codePointAt(0) ?? 0x21) - 0x21 + 0xff01);
}

/**
 * Bare URLs: both clients turn `https://…` and `www.…` into links, so the scheme separator and the
 * `www.` prefix are defanged too; the operator still reads the address, but cannot click it.
 */
function defangUrls(text: string): string {
  return text.replace(/:\/\//g, ':／／').replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}．`);
}

/**
 * Teams: Adaptive Card TextBlock text, Fact.Title and Fact.Value render a Markdown subset: **bold**,
 * _italic_, `- ` and `1. ` lists, [Title](url) links, and new lines from \r or \n; HTML is not
 * supported (learn.microsoft.com, "Format cards in Teams", Markdown support for Adaptive Cards).
 * So breaks are folded, `*` `_` `[` `]` `` ` `` `~` become full-width everywhere, and a leading
 * list or heading marker (`-`, `+`, `#`, `>`, `1.`) too. `<` `>` `&` stay: HTML is not rendered, and
 * a card mention needs an `msteams.entities` entry that only this app writes.
 */
export function teamsText(text: string): string {
  const line = defangUrls(plainLine(text)).replace(/[*_[\]`~]/g, fullWidth);
  return line
    .replace(/^(\s*)([-+#>])/, (_m, space: string, marker: string) => `${space}${fullWidth(marker)}`)
    .replace(/^(\s*\d+)([.)])/, (_m, digits: string, marker: string) => `${digits}${fullWidth(marker)}`);
}

/**
 * Slack mrkdwn (and a message's top-level `text`, which Slack formats as mrkdwn too): `&`, `<` and
 * `>` must be sent as `&amp;` `&lt;` `&gt;`, since `<…>` is how links and mentions (`<!channel>`,
 * `<@U123>`, `<https://x|label>`) are written (api.slack.com, "Formatting text for app surfaces",
 * escaping text). `*bold*`, `_italic_`, `~strike~` and `` `code` `` have no escape there, so their
 * characters become full-width, and a `>` at the start of a line (a quote) too. An entity a consumer
 * sent already escaped (`&lt;!channel&gt;`) has its `&` escaped again, so it shows as typed.
 */
export function slackText(text: string): string {
  const line = defangUrls(plainLine(text))
    .replace(/[*_~`]/g, fullWidth)
    .replace(/^(\s*)>/, (_m, space: string) => `${space}＞`);
  return line.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
