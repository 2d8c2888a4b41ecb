import type { Exchange } from '../http.ts';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl command that replays an exchange; credentials become $RAMPART_TOKEN so no secret is printed. */
export function toCurl(ex: Exchange): string {
  const parts = ['curl', '-sS', '-i', '-X', ex.request.method, q(ex.request.url)];
  for (const [k, v] of Object.entries(ex.request.headers)) {
    if (k === 'accept') continue;
    if (k === 'authorization')
      parts.push('-H', `"authorization: ${/^Bearer /i.test(v) ? 'Bearer ' : ''}$RAMPART_TOKEN"`);
    else if (k === 'cookie') parts.push('-H', '"cookie: $RAMPART_COOKIE"');
    else parts.push('-H', q(`${k}: ${v}`));
  }
  const body = ex.request.body;
  if (body !== undefined) {
    if (body.length <= 4096) parts.push('--data-raw', q(body));
    else {
      const m = /^(.*?)(.)\2{200,}(.*)$/s.exec(body);
      if (m)
        parts.push(
          '--data-raw',
          `"$(node -e ${q(`process.stdout.write(${JSON.stringify(m[1])}+${JSON.stringify(m[2])}.repeat(${body.length - (m[1] ?? '').length - (m[3] ?? '').length})+${JSON.stringify(m[3])})`)})"`,
        );
      else
        parts.push(
          '--data-raw',
          q(`${body.slice(0, 4096)}`),
          `# body truncated (${body.length} bytes); rerun the scan with the same --seed`,
        );
    }
  }
  return parts.join(' ');
}
