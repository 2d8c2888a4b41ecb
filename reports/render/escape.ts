const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/XML content and attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => map[c] as string);
}

/** XML 1.0 forbids most control characters even escaped; drop them (JUnit consumers reject the file otherwise). */
export function xmlText(v: unknown): string {
  // eslint-disable-next-line no-control-regex
  return esc(v).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}
