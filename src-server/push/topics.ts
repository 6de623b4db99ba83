/**
 * The MQTT topic layout for push (ADR mqtt-push). One root per fleet (`--mqtt-topic-root`, default `lk/fleet`), so
 * several fleets may share a broker:
 * - `<root>/kiosks/<kioskId>/ping`: server → one kiosk, `{"kind":"manifest"}`: "your manifest changed, pull it".
 * - `<root>/broadcast/ping`: server → every kiosk, the same, for fleet-wide changes (a badge revocation); kiosks
 *   spread their pulls over a few seconds so a fleet does not answer in one instant.
 * - `<root>/kiosks/<kioskId>/presence`: kiosk → server, retained `online` on connect; its last will, retained
 *   `offline`, is what the broker publishes when the connection drops.
 * Payloads never carry data: everything a kiosk acts on still comes over the signed HTTP path.
 * Kiosk ids are [A-Za-z0-9-] (src-server/ids.ts), never an MQTT wildcard or separator.
 */
export const DEFAULT_TOPIC_ROOT = 'lk/fleet';

export const topics = {
  ping: (root: string, kioskId: string) => `${root}/kiosks/${kioskId}/ping`,
  presence: (root: string, kioskId: string) => `${root}/kiosks/${kioskId}/presence`,
  broadcast: (root: string) => `${root}/broadcast/ping`,
  /** What the server subscribes to: every kiosk's presence. */
  allPresence: (root: string) => `${root}/kiosks/+/presence`,
};

/** The kiosk id in a presence topic under `root`, or null. */
export function kioskOfPresence(root: string, topic: string): string | null {
  const prefix = `${root}/kiosks/`;
  if (!topic.startsWith(prefix) || !topic.endsWith('/presence')) return null;
  const id = topic.slice(prefix.length, -'/presence'.length);
  return /^[A-Za-z0-9-]{1,64}$/.test(id) ? id : null;
}

/** A topic root: 1-5 plain levels, no wildcards, no `$` (reserved), no empty level. */
export function validTopicRoot(root: string): boolean {
  return /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+){0,4}$/.test(root);
}
