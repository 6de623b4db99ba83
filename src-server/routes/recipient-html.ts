import { createHash } from 'node:crypto';
import type { ParcelRow } from '../services/shipments';
import type { RefusalReason } from '../services/recipient-requests';
import { fill, formatDeadline, type NotifyLocale } from '../notify/i18n/index';
import { PAGE_CATALOGS, pageLocale, type RecipientPageCatalog } from '../notify/i18n/page';

/**
 * The recipient's page as HTML (ADR customer-self-service): server-rendered, no script, one inline style block allowed
 * by its hash, every value from the database escaped. Big controls (at least 48 px), high contrast, one column. It
 * speaks the parcel's language and gives times in the locker's zone, worded and formatted as the messages that link to
 * it (src-server/notify/i18n): a recipient should read the same deadline on the page as in the SMS.
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

/** A catalog text as HTML: its own words escaped, each `{value}` already markup (the caller escapes what it puts in). */
const html = (template: string, values: Record<string, string> = {}) => fill(template, values, esc);
const strong = (v: string) => `<strong>${esc(v)}</strong>`;

function page(locale: NotifyLocale, title: string, body: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** What the page shows of a parcel (nothing about the recipient); `locale` is the language its messages were sent in. */
export type PageParcel = Pick<ParcelRow, 'status' | 'barcode' | 'kiosk_id' | 'accessible' | 'expires_at' | 'recipient_extended_at' | 'locale'>;

export interface PageInput {
  parcel: PageParcel;
  /** The form targets: `/r/<token>/extend`, `/r/<token>/reach` (token already checked). */
  base: string;
  extendMaxDays: number;
  /** The locker's IANA zone (kiosks.time_zone), the one its messages state deadlines in. */
  timeZone: string;
  /**
   * The moment the page is rendered for (ms). A deposited parcel whose deadline is at or before it is shown as past its
   * pickup date, with no extension offered: the kiosk treats it so, even before its expiry reaches the server. Omitted
   * (catalog tests), the deadline is taken as still ahead.
   */
  now?: number;
  /** A form's request went through: says so above the page. */
  done?: 'extended' | 'reach';
  refused?: RefusalReason;
}

/** The parcel page's sections, in its language; `deadline` as the messages write it, inside a machine-readable `<time>`. */
function sections(i: PageInput, t: RecipientPageCatalog, deadline: (ms: number) => string): { heading: string; parts: string[] } {
  const p = i.parcel;
  const where = { barcode: strong(p.barcode), kiosk: strong(p.kiosk_id) };
  if (p.status === 'expected') {
    return {
      heading: t['expected.heading'],
      parts: [
        `<p>${html(t['expected.body'], where)}</p>`,
        p.accessible === 1
          ? `<p>${html(t['reach.asked'])}</p>`
          : `<form method="post" action="${esc(i.base)}/reach"><p>${html(t['reach.offer'])}</p>
<button type="submit">${html(t['reach.button'])}</button></form>`,
      ],
    };
  }
  if (p.status === 'deposited' && p.expires_at !== null && (i.now === undefined || p.expires_at > i.now)) {
    const parts = [`<p>${html(t['waiting.body'], { ...where, deadline: `<strong>${deadline(p.expires_at)}</strong>` })}</p>`];
    if (p.recipient_extended_at === null) {
      // Integers only: "1" takes the singular in all four languages, every other count one plural form (Polish "2 dni", "5 dni").
      const options = Array.from({ length: i.extendMaxDays }, (_, k) => `<option value="${k + 1}">${html(t[k === 0 ? 'extend.day' : 'extend.days'], { n: String(k + 1) })}</option>`).join('');
      parts.push(`<form method="post" action="${esc(i.base)}/extend"><label for="days">${html(t['extend.label'])}</label>
<select id="days" name="days">${options}</select><button type="submit">${html(t['extend.button'])}</button></form>`);
    } else {
      parts.push(`<p class="muted">${html(t['extend.used'])}</p>`);
    }
    return { heading: t['waiting.heading'], parts };
  }
  return { heading: t['expired.heading'], parts: [`<p>${html(t['expired.body'], where)}</p>`] };
}

/** The page for a parcel that is still expected, deposited or expired, in the parcel's language and the locker's time. */
export function parcelPage(i: PageInput): string {
  const locale = pageLocale(i.parcel.locale);
  const t = PAGE_CATALOGS[locale];
  const deadline = (ms: number) => `<time datetime="${esc(new Date(ms).toISOString())}">${esc(formatDeadline(ms, locale, i.timeZone))}</time>`;
  const { heading, parts } = sections(i, t, deadline);
  const top: string[] = [`<h1>${html(heading)}</h1>`];
  if (i.done === 'extended' && i.parcel.expires_at !== null) top.push(`<p class="notice" role="status">${html(t['extend.done'], { deadline: deadline(i.parcel.expires_at) })}</p>`);
  if (i.done === 'reach') top.push(`<p class="notice" role="status">${html(t['reach.done'])}</p>`);
  if (i.refused) top.push(`<p class="refused" role="alert">${html(t[`refused.${i.refused}`])}</p>`);
  return page(locale, t['page.title'], [...top, ...parts, `<p class="muted">${html(t['page.private'])}</p>`].join('\n'));
}

/** A link whose parcel has left the locker (picked up, collected, cancelled): it no longer works. */
export function gonePage(locale: NotifyLocale): string {
  const t = PAGE_CATALOGS[locale];
  return page(locale, t['gone.title'], `<h1>${html(t['gone.heading'])}</h1><p>${html(t['gone.body'])}</p>`);
}

/** A malformed or forged token (`invalid`), or too many requests (`limited`): a plain page, nothing about any parcel. */
export function plainPage(locale: NotifyLocale, which: 'invalid' | 'limited'): string {
  const t = PAGE_CATALOGS[locale];
  const title = t[`${which}.title`];
  return page(locale, title, `<h1>${html(title)}</h1><p>${html(t[`${which}.body`])}</p>`);
}
