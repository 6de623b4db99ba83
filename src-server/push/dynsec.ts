import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { z } from 'zod';
import { topics } from './topics';

/**
 * Mosquitto 2's dynamic security plugin, driven over MQTT by an admin client (ADR mqtt-push): commands go to
 * `$CONTROL/dynamic-security/v1`, answers come back on `…/v1/response`, matched by correlationData. The broker stores
 * each client's password as a salted PBKDF2 hash and enforces the role's ACLs on every SUBSCRIBE, PUBLISH and will.
 *
 * Per kiosk: a role `lk-kiosk-<id>` that may subscribe (literally, no wildcards) to its own ping topic and the fleet's
 * broadcast topic and publish only its own presence, and a client `<id>` (username = client id = kiosk id) with that
 * role. Dynsec in Mosquitto 2.0 has no `%u` substitution in ACLs, hence one role per kiosk.
 */
const CONTROL = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${CONTROL}/response`;

const Responses = z.object({
  responses: z.array(z.object({ command: z.string(), error: z.string().optional(), correlationData: z.string().optional(), data: z.unknown().optional() })),
});
type Answer = z.infer<typeof Responses>['responses'][number];

export interface DynsecCommand {
  command: string;
  [field: string]: unknown;
}

export class DynsecError extends Error {
  override readonly name = 'DynsecError';
  constructor(
    readonly code: 'TIMEOUT' | 'REFUSED' | 'CLOSED',
    message: string,
  ) {
    super(message);
  }
}

/** The broker's answers to "already exists": provisioning is idempotent, so these are success. */
const ALREADY = /already exists|already has|is already/i;

export class DynsecAdmin {
  private readonly waiting = new Map<string, { resolve: (a: Answer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private subscribed: Promise<void> | null = null;

  constructor(
    private readonly client: MqttClient,
    private readonly timeoutMs = 5_000,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== RESPONSE) return;
      const parsed = Responses.safeParse(safeJson(payload.toString('utf8')));
      if (!parsed.success) return;
      for (const r of parsed.data.responses) {
        const w = r.correlationData ? this.waiting.get(r.correlationData) : undefined;
        if (!w) continue;
        clearTimeout(w.timer);
        this.waiting.delete(r.correlationData!);
        w.resolve(r);
      }
    });
    // A new connection (clean session) has lost the response subscription.
    client.on('connect', () => void (this.subscribed = null));
    // Answers to commands sent on a connection that is gone will never come.
    client.on('close', () => {
      for (const id of [...this.waiting.keys()]) this.fail(id, new DynsecError('CLOSED', 'the broker connection closed'));
    });
  }

  /**
   * Sends the commands in one message and waits for every answer (`timeoutMs` each). Resolves with the answers in order;
   * a command the broker refused carries `error` (callers decide which errors matter). Rejects with DynsecError
   * TIMEOUT when the broker does not answer (down, or this client is not a dynsec admin: Mosquitto drops the command).
   */
  async send(commands: DynsecCommand[]): Promise<Answer[]> {
    await this.subscribe();
    const ids = commands.map(() => randomBytes(8).toString('hex'));
    const answers = ids.map(
      (id) =>
        new Promise<Answer>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.waiting.delete(id);
            reject(new DynsecError('TIMEOUT', 'the broker did not answer a dynamic-security command'));
          }, this.timeoutMs);
          this.waiting.set(id, { resolve, reject, timer });
        }),
    );
    const body = JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: ids[i] })) });
    this.client.publish(CONTROL, body, { qos: 1 }, (err) => {
      if (!err) return;
      for (const id of ids) this.fail(id, new DynsecError('CLOSED', `cannot send to the broker: ${err.message}`));
    });
    return Promise.all(answers);
  }

  /** Sends and throws DynsecError REFUSED on the first error that is not "already exists". */
  async apply(commands: DynsecCommand[]): Promise<void> {
    const answers = await this.send(commands);
    const bad = answers.find((a) => a.error && !ALREADY.test(a.error));
    if (bad) throw new DynsecError('REFUSED', `${bad.command}: ${bad.error}`);
  }

  /**
   * The kiosk's role and client. `password` is what the kiosk was given (derived, ADR mqtt-push); setting it again on an
   * existing client makes a re-provisioning converge.
   */
  async provisionKiosk(root: string, kioskId: string, password: string): Promise<void> {
    const rolename = `lk-kiosk-${kioskId}`;
    await this.apply([
      {
        command: 'createRole',
        rolename,
        acls: [
          { acltype: 'subscribeLiteral', topic: topics.ping(root, kioskId), allow: true },
          { acltype: 'subscribeLiteral', topic: topics.broadcast(root), allow: true },
          { acltype: 'publishClientSend', topic: topics.presence(root, kioskId), allow: true },
        ],
      },
      { command: 'createClient', username: kioskId, clientid: kioskId, password, roles: [{ rolename }] },
      { command: 'setClientPassword', username: kioskId, password },
    ]);
  }

  /**
   * Whether `username` (this server's admin account) already holds the server role for `root`. Granting it makes the
   * broker disconnect that client to apply the new ACLs, so it is granted only when missing.
   */
  async serverGranted(root: string, username: string): Promise<boolean> {
    const [a] = await this.send([{ command: 'getClient', username }]);
    if (a?.error) throw new DynsecError('REFUSED', `getClient: ${a.error}`);
    const data = z.object({ client: z.object({ roles: z.array(z.object({ rolename: z.string() })).optional() }) }).safeParse(a?.data);
    return data.success && (data.data.client.roles ?? []).some((r) => r.rolename === serverRole(root));
  }

  /**
   * Lets this (admin) client publish pings and read presence under `root`: a role added to itself. The dynsec admin
   * made by `mosquitto_ctrl dynsec init` may administer and subscribe but not publish to ordinary topics. The broker then
   * disconnects this client (new ACLs apply to new connections); the reconnect finds the role in place.
   */
  async grantServer(root: string, username: string): Promise<void> {
    const rolename = serverRole(root);
    await this.apply([
      {
        command: 'createRole',
        rolename,
        acls: [
          { acltype: 'publishClientSend', topic: `${root}/#`, allow: true },
          { acltype: 'subscribePattern', topic: `${root}/#`, allow: true },
          { acltype: 'publishClientReceive', topic: `${root}/#`, allow: true },
        ],
      },
      { command: 'addClientRole', username, rolename },
    ]);
  }

  /** Every client username the broker knows. */
  async clients(): Promise<Set<string>> {
    const [a] = await this.send([{ command: 'listClients', verbose: false, count: -1, offset: 0 }]);
    if (a?.error) throw new DynsecError('REFUSED', `listClients: ${a.error}`);
    const data = z.object({ clients: z.array(z.union([z.string(), z.object({ username: z.string() })])) }).safeParse(a?.data);
    return new Set((data.success ? data.data.clients : []).map((c) => (typeof c === 'string' ? c : c.username)));
  }

  close(): void {
    for (const id of [...this.waiting.keys()]) this.fail(id, new DynsecError('CLOSED', 'push is shutting down'));
  }

  private fail(id: string, err: Error): void {
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(id);
    w.reject(err);
  }

  private subscribe(): Promise<void> {
    this.subscribed ??= new Promise<void>((resolve, reject) => {
      this.client.subscribe(RESPONSE, { qos: 1 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos === 128)) {
          this.subscribed = null;
          reject(new DynsecError('REFUSED', `cannot subscribe to the dynamic-security answers: ${err?.message ?? 'not authorized'}`));
        } else resolve();
      });
    });
    return this.subscribed;
  }
}

const serverRole = (root: string) => `lk-server-${root.replace(/\//g, '_')}`;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
