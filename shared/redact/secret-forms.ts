/*
 * The spellings a configured secret takes when something echoes it back inside another format: a
 * JSON string (as JavaScript, Go and Python escape it), a URL (percent-encoding in either hex case,
 * form encoding with `+` for spaces). Base64 is not listed here: it depends on where the secret
 * falls in the encoded text, so base64 runs are decoded and searched instead (base64-runs.ts). Pure.
 */

/** Every distinct spelling of `secret`, the secret itself first. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret]);
  for (const json of jsonForms(secret)) forms.add(json);
  for (const url of urlForms(secret)) {
    forms.add(url);
    forms.add(lowerHex(url));
  }
  forms.delete('');
  return [...forms];
}

/** JSON.stringify's escaping, with `/` escaped as PHP does, and with every non-ASCII and HTML-special character as `\u00xx` (Go, Python). */
function jsonForms(secret: string): string[] {
  const plain = JSON.stringify(secret).slice(1, -1);
  const slash = plain.replaceAll('/', '\\/');
  const ascii = plain.replace(
    /[^\x20-\x7e]|[<>&']/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const asciiUpper = ascii.replace(/\\u([0-9a-f]{4})/g, (_m, hex: string) => `\\u${hex.toUpperCase()}`);
  return [plain, slash, ascii, asciiUpper];
}

/** encodeURIComponent (RFC 3986), form encoding (`+` for spaces, WHATWG's set), and RFC 3986 with `+` for spaces. */
function urlForms(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  // Every reserved character escaped, as strict encoders (and some echo servers) do.
  const strict = component.replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [component, form, component.replaceAll('%20', '+'), strict, strict.replaceAll('%20', '+')];
}

function lowerHex(text: string): string {
  return text.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase());
}
