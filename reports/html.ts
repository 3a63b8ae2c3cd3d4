// HTML building with escaping by default: every interpolated value is escaped unless it is already
// SafeHtml (built by this module, or a chart SVG that passed `checkSvg`). Results files come from other
// people, so no string from them may reach the page unescaped.

export function escapeHtml(s: string): string {
  return s
    // Control characters are not valid in HTML text; show them as U+FFFD rather than pass them on.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: `html\`<td>${name}</td>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Trusted markup produced by our own code (never from a results file). */
export function trusted(s: string): SafeHtml {
  return new SafeHtml(s);
}

export function joinHtml(parts: HtmlValue[], sep = ''): SafeHtml {
  return new SafeHtml(parts.map(render).join(sep));
}

/**
 * A relative link into the run directory (an `.hgrm` path from a results file). Only plain relative
 * paths are accepted — no scheme (`javascript:`), no absolute path, no `..` — so a hostile file cannot
 * turn a link into script or point outside the run. Returns null when the path is refused.
 */
export function safeRelativeHref(path: string): string | null {
  if (path.length === 0 || path.length > 512) return null;
  if (!/^[A-Za-z0-9._=+,@/-]+$/.test(path)) return null;
  if (path.startsWith('/')) return null;
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return null;
  return parts.map(encodeURIComponent).join('/');
}

const CSS = `
:root{--fg:#1d1f24;--muted:#60646c;--line:#d9dce1;--bg:#fff;--band:#f5f6f8;--good:#17663a;--bad:#a3161a;--warn:#8a5a00}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1320px;padding:16px 24px 64px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px}
p.note,.muted{color:var(--muted)}
table{border-collapse:collapse;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:var(--band);font-weight:600}
td.num{text-align:right;white-space:nowrap}
.pass,.shared,.faster{color:var(--good);font-weight:600}
.fail,.slower{color:var(--bad);font-weight:600}
.exclusive,.bound{color:var(--warn);font-weight:600}
.unsupported,.nc,.na{color:var(--muted)}
.changed{background:#fff3c4}
.warn{background:#fff3c4;border:1px solid #e6c200;padding:8px 12px;margin:8px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;border:1px solid var(--line);padding:4px}
figure.chart figcaption{font-size:12px;color:var(--muted);max-width:600px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
details>summary{cursor:pointer;color:var(--muted)}
nav a{margin-right:12px}
`;

/**
 * A complete page. The CSP forbids every script and every fetch, so even a bug in escaping could not
 * run code or load anything; the page needs neither.
 */
export function page(title: string, body: SafeHtml): string {
  return (
    '<!DOCTYPE html>\n' +
    html`<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${trusted(CSS)}</style>
</head><body>
${body}
</body></html>
`.text
  );
}
