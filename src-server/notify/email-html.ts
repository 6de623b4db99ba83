/**
 * The HTML part of a recipient's e-mail: one column of short paragraphs, inline styles only (mail clients drop
 * `<style>` and never run scripts), black on white, the code large. Every value is escaped here or by the caller
 * (`escapeHtml`); the catalog's own text is escaped by fill(). The pickup QR is an inline image attachment referenced
 * by `cid:` (QR_CID), which the SMTP channel adds (channels.ts): the most widely shown way to put an image in a mail,
 * with nothing fetched from a server.
 */

/** The Content-ID of the QR image in a code e-mail (channels.ts attaches it under this id). */
export const QR_CID = 'pickup-qr@locker.invalid';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text → HTML text: `& < > " '` escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A value shown prominently (the code, the check code): large, bold, monospace digits. */
export const strong = (s: string) => `<strong style="font-size:26px;letter-spacing:3px;font-family:Consolas,Menlo,monospace">${escapeHtml(s)}</strong>`;
/** A value in running text (barcode, locker, deadline): bold. */
export const bold = (s: string) => `<strong>${escapeHtml(s)}</strong>`;

export interface EmailHtml {
  /** BCP 47 language of the text (`pl`). */
  lang: string;
  title: string;
  /** Already HTML (built with fill(…, escapeHtml) and the helpers above). */
  paragraphs: string[];
  /** The QR block: the line above it and the image's alt text (plain text). */
  qr?: { intro: string; alt: string };
  /** Plain text. */
  footer: string;
}

/** The whole HTML document. */
export function emailHtml(e: EmailHtml): string {
  const p = (html: string) => `<p style="margin:0 0 16px">${html}</p>`;
  const qr = e.qr
    ? p(escapeHtml(e.qr.intro)) +
      `<p style="margin:0 0 16px"><img src="cid:${QR_CID}" alt="${escapeHtml(e.qr.alt)}" width="240" height="240" style="display:block;width:240px;height:240px;border:0"></p>`
    : '';
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(e.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(e.title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#ffffff;color:#111111;font-family:Arial,Helvetica,sans-serif;font-size:17px;line-height:1.5">',
    '<div style="max-width:560px">',
    ...e.paragraphs.map(p),
    qr,
    `<p style="margin:24px 0 0;font-size:14px;color:#444444">${escapeHtml(e.footer)}</p>`,
    '</div></body></html>',
  ].join('\n');
}
