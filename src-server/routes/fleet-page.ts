import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import { fleetSnapshot, type KioskSummary } from '../services/fleet';

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function age(ms: number | null): string {
  if (ms === null) return 'never';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 3600_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3600_000)} h ago`;
}

function row(k: KioskSummary): string {
  const free = k.freeBySize ? (['S', 'M', 'L', 'XL'] as const).map((s) => `${s} ${k.freeBySize![s]}/${k.capacity[s]}`).join(' · ') : '—';
  const faults = k.faults.length === 0 ? 'none' : k.faults.map((f) => esc(`${f.code}${f.compartmentId ? ' ' + f.compartmentId : ''}`)).join(', ');
  return `<tr>
  <td><code>${esc(k.kioskId)}</code><br><small>${esc(k.layoutName ?? '')}</small></td>
  <td class="${k.online ? 'on' : 'off'}">${k.online ? 'online' : 'offline'}<br><small>${esc(age(k.heartbeatAgeMs))}${k.presence ? ` · push ${k.presence === 'online' ? 'connected' : 'disconnected'}` : ''}</small></td>
  <td>${esc(free)}</td>
  <td>${k.expected} expected · ${k.inLocker} in locker</td>
  <td>${k.outboxDepth ?? '—'}</td>
  <td class="${k.faults.length ? 'warn' : ''}">${faults}</td>
  <td>${esc(k.version ?? '—')}</td>
</tr>`;
}

/** `GET /`: the fleet at a glance. Server-rendered, no script, no external assets; refreshes itself. */
export function fleetPageRoutes(app: FastifyInstance, ctx: ServerContext, pendingNotifications: () => Promise<number>): void {
  app.get('/', async (_req, reply) => {
    const kiosks = await fleetSnapshot(ctx);
    const waiting = await pendingNotifications();
    const online = kiosks.filter((k) => k.online).length;
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Locker fleet</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{padding:.45rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f3f3f3}.on{color:#0a6b2d;font-weight:600}.off{color:#a11;font-weight:600}.warn{color:#8a5300}small{color:#555}
</style></head><body>
<h1>Locker fleet</h1>
<p>${kiosks.length} kiosks · ${online} online · ${waiting} notifications waiting to be sent</p>
<table><thead><tr><th>kiosk</th><th>status</th><th>free compartments (free/total)</th><th>parcels</th><th>kiosk outbox lag (events)</th><th>faults</th><th>version</th></tr></thead>
<tbody>
${kiosks.map(row).join('\n') || '<tr><td colspan="7">No kiosks enrolled yet.</td></tr>'}
</tbody></table>
</body></html>`;
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(html);
  });
}
