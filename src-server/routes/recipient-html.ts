import { createHash } from 'node:crypto';
import type { ParcelRow } from '../services/shipments';
import type { RefusalReason } from '../services/recipient-requests';

/**
 * The recipient's page as HTML (ADR customer-self-service): server-rendered, no script, one inline style block allowed
 * by its hash, every value from the database escaped. Big controls (at least 48 px), high contrast, one column.
 */

const STYLE = `
body{font:18px/1.5 system-ui,sans-serif;margin:0;background:#fff;color:#111}
main{max-width:34rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 1rem}
p{margin:0 0 1rem}
.notice{border-left:6px solid #0a5;padding:.75rem 1rem;background:#eefaf3}
.refused{border-left:6px solid #b00;padding:.75rem 1rem;background:#fdeeee}
form{margin:1.5rem 0}
label{display:block;font-weight:600;margin-bottom:.5rem}
select,button{font:inherit;min-height:48px;min-width:48px}
select{padding:.5rem;margin-bottom:1rem;border:2px solid #333;border-radius:6px}
button{display:block;width:100%;padding:.75rem 1rem;border:0;border-radius:8px;background:#0b4ea2;color:#fff;font-weight:700}
button:focus,select:focus{outline:4px solid #f90;outline-offset:2px}
.muted{color:#444;font-size:.95rem}
`;

/** The Content-Security-Policy for every answer of this page: nothing but that one style block, forms to this origin. */
export const RECIPIENT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** HTML-escapes text for element content and quoted attributes. */
export function esc(v: string | number): string {
  return String(v).replace(/[&<>"']/g, (c) => ESC[c]!);
}

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** What the page shows of a parcel (nothing about the recipient). */
export type PageParcel = Pick<ParcelRow, 'status' | 'barcode' | 'kiosk_id' | 'accessible' | 'expires_at' | 'recipient_extended_at'>;

export interface PageInput {
  parcel: PageParcel;
  /** The form targets: `/r/<token>/extend`, `/r/<token>/reach` (token already checked). */
  base: string;
  extendMaxDays: number;
  notice?: string;
  refused?: RefusalReason;
}

const REFUSED: Record<RefusalReason, string> = {
  NOT_WAITING: 'More time is possible only while the parcel waits in its compartment.',
  ALREADY_EXTENDED: 'You have already given yourself more time once for this parcel.',
  TOO_MANY_DAYS: 'Please choose one of the offered numbers of days.',
  LOCKER_FULL: 'The locker is nearly full right now, so we cannot keep the compartment longer. Please pick up your parcel by the date shown.',
  NOT_EXPECTED: 'A compartment within reach can be asked for only before the parcel is delivered.',
};

/** The page for a parcel that is still expected, deposited or expired. */
export function parcelPage(i: PageInput): string {
  const p = i.parcel;
  const parts: string[] = [];
  if (i.notice) parts.push(`<p class="notice" role="status">${esc(i.notice)}</p>`);
  if (i.refused) parts.push(`<p class="refused" role="alert">${esc(REFUSED[i.refused])}</p>`);
  if (p.status === 'expected') {
    parts.unshift(`<h1>Your parcel is on its way</h1>`);
    parts.push(`<p>Parcel <strong>${esc(p.barcode)}</strong> is on its way to locker <strong>${esc(p.kiosk_id)}</strong>. We will send your pickup code when it arrives.</p>`);
    parts.push(
      p.accessible === 1
        ? `<p>You asked for a compartment within reach (no higher than 120 cm). The locker will use a low one when it can.</p>`
        : `<form method="post" action="${esc(i.base)}/reach"><p>Is a high compartment hard for you to reach? Ask for a low one before delivery.</p>
<button type="submit">I need a compartment within reach</button></form>`,
    );
  } else if (p.status === 'deposited' && p.expires_at !== null) {
    parts.unshift(`<h1>Your parcel is waiting</h1>`);
    parts.push(`<p>Parcel <strong>${esc(p.barcode)}</strong> is waiting at locker <strong>${esc(p.kiosk_id)}</strong> until <strong><time datetime="${esc(new Date(p.expires_at).toISOString())}">${esc(when(p.expires_at))}</time></strong>.</p>`);
    if (p.recipient_extended_at === null) {
      const options = Array.from({ length: i.extendMaxDays }, (_, k) => `<option value="${k + 1}">${k + 1} ${k === 0 ? 'day' : 'days'}</option>`).join('');
      parts.push(`<form method="post" action="${esc(i.base)}/extend"><label for="days">More time (once)</label>
<select id="days" name="days">${options}</select><button type="submit">Give me more time</button></form>`);
    } else {
      parts.push(`<p class="muted">You have used your one extension for this parcel.</p>`);
    }
  } else {
    parts.unshift(`<h1>Your parcel was not picked up in time</h1>`);
    parts.push(`<p>Parcel <strong>${esc(p.barcode)}</strong> waited at locker <strong>${esc(p.kiosk_id)}</strong> past its pickup date and will go back to the sender.</p>`);
  }
  parts.push(`<p class="muted">Keep this link to yourself: anyone with it can change your parcel's pickup.</p>`);
  return page('Your parcel', parts.join('\n'));
}

/** A link whose parcel has left the locker (picked up, collected, cancelled): it no longer works. */
export function gonePage(): string {
  return page('Link no longer valid', `<h1>This link no longer works</h1><p>The parcel has been picked up or is no longer at the locker.</p>`);
}

/** A malformed or forged token, or too many requests: the same plain page, nothing about any parcel. */
export function plainPage(title: string, text: string): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}
