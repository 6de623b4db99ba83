import type { AddressInfo } from 'node:net';
import { CompiledQuery } from 'kysely';
import type { z } from 'zod';
import type { BadgeResponse, BadgeRole, ParcelView, ShipmentRequest } from '../src-shared/sync-protocol';
import { ShipmentRequest as ShipmentSchema, TimeZone } from '../src-shared/sync-protocol';
import { randomBytes } from 'node:crypto';
import { createOperator, hashPassword, type Operator } from './auth/accounts';
import type { Role } from './auth/roles';
import { publicKeyPem } from './auth/badges';
import { buildFleetApp, type FleetAppOptions } from './app';
import { parseOr400 } from './http/errors';
import { consoleLogger, type Logger } from './log';
import { issueBadge, revokeBadge } from './services/badges';
import { createEnrollmentToken } from './services/enrollment';
import { fleetSnapshot, kioskEvents, type KioskSummary } from './services/fleet';
import { cancelShipment, extendShipment, parcelViewByBarcode } from './services/parcel-actions';
import { createShipment, type CreatedShipment } from './services/shipments';
import { createDropoff, type CreatedDropoff } from './services/dropoffs';
import { DropoffRequest as DropoffSchema, type DropoffRequest } from '../src-shared/sync-protocol';

export type { CreatedShipment, KioskSummary };

export interface StartFleetServerOptions extends Omit<FleetAppOptions, 'log'> {
  /** 0 (default) = a free port. */
  port?: number;
  /** Default 127.0.0.1: the embedded server is for this machine only. */
  host?: string;
  log?: Logger;
  /** Recipients' links (ADR customer-self-service) point at the address this server listens on (without customer.publicUrl). */
  publicUrlIsSelf?: boolean;
}

/** A running fleet server, plus in-process shortcuts around its HTTP API (the embedded demo and tests use them). */
export interface FleetServer {
  /** e.g. http://127.0.0.1:43123 (no trailing slash). */
  url: string;
  adminKey: string;
  /** SPKI PEM, the same the kiosk receives at enrollment. */
  badgePublicKey: string;
  close(): Promise<void>;
  /** `sqlite` (the embedded default) or `postgres`. */
  dialect: 'sqlite' | 'postgres';
  /** A one-time token for POST /v1/kiosks/enroll; `timeZone` (IANA) becomes the kiosk's zone for its messages' deadlines. */
  createEnrollmentToken(ttlHours?: number, timeZone?: string): Promise<string>;
  /** Carrier intake. Rejects with HttpError (code NO_CAPACITY, DUPLICATE, NOT_FOUND, BAD_INPUT). The plaintext code is returned in-process only. */
  createShipment(req: ShipmentRequest): Promise<CreatedShipment>;
  cancelShipment(barcode: string): Promise<ParcelView>;
  /** A sender's drop-off booking (ADR drop-offs). The plaintext code is returned in-process only. */
  createDropoff(req: DropoffRequest): Promise<CreatedDropoff>;
  extendShipment(barcode: string, days: number): Promise<ParcelView>;
  parcel(barcode: string): Promise<ParcelView | undefined>;
  issueBadge(req: { role: BadgeRole; name: string; ttlHours?: number }): Promise<BadgeResponse>;
  revokeBadge(badgeId: string): Promise<void>;
  fleet(): Promise<KioskSummary[]>;
  /** Events the server has stored for a kiosk (each UUID once). */
  eventCount(kioskId: string): Promise<number>;
  /**
   * Tests and benches only: one read-only statement with `?` placeholders against whichever database this is
   * (rewritten to $1… on PostgreSQL); rows as plain objects, BIGINTs as numbers.
   */
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Queue due reminders now, and deliver everything due. */
  sweep(): Promise<void>;
  drainNotifications(): Promise<void>;
  /**
   * The demo's console operator (an admin, `demo@locker.example`), created on first call; every call gives it a fresh
   * random password and returns it (nothing keeps it in clear), so the banner can always print one that works.
   */
  demoOperator(): Promise<{ email: string; password: string }>;
  /** A console account (tests, tooling; people use create-admin and the console). Rejects DUPLICATE or BAD_INPUT. */
  createOperator(o: { email: string; name: string; role: Role; password: string }): Promise<Operator>;
}

export async function startFleetServer(o: StartFleetServerOptions): Promise<FleetServer> {
  const fleet = await buildFleetApp({ ...o, log: o.log ?? consoleLogger('fleet') });
  const { app, ctx } = fleet;
  try {
    await app.listen({ port: o.port ?? 0, host: o.host ?? '127.0.0.1' });
  } catch (err) {
    await fleet.close();
    throw err;
  }
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  if (o.publicUrlIsSelf) ctx.customer.publicUrl ??= `http://${host}:${addr.port}`;
  return {
    url: `http://${host}:${addr.port}`,
    adminKey: ctx.keys.adminKey,
    badgePublicKey: publicKeyPem(ctx.keys.badgePublicKey),
    close: () => fleet.close(),
    dialect: ctx.store.dialect,
    createEnrollmentToken: async (ttlHours = 24, timeZone?: string) =>
      (await createEnrollmentToken(ctx, ttlHours, timeZone === undefined ? undefined : parseOr400(TimeZone, timeZone, 'timeZone'))).enrollmentToken,
    createShipment: async (req) => createShipment(ctx, parseOr400(ShipmentSchema, req, 'shipment') as z.output<typeof ShipmentSchema>),
    cancelShipment: (barcode) => cancelShipment(ctx, barcode),
    createDropoff: async (req) => createDropoff(ctx, parseOr400(DropoffSchema, req, 'dropoff') as z.output<typeof DropoffSchema>),
    extendShipment: (barcode, days) => extendShipment(ctx, barcode, days),
    parcel: (barcode) => parcelViewByBarcode(ctx, barcode),
    issueBadge: (req) => issueBadge(ctx, { role: req.role, name: req.name, ttlHours: req.ttlHours ?? 24 * 30 }),
    revokeBadge: async (badgeId) => void (await revokeBadge(ctx, badgeId)),
    fleet: () => fleetSnapshot(ctx),
    eventCount: async (kioskId) => (await kioskEvents(ctx, kioskId, 1)).count,
    async query<T>(text: string, params: readonly unknown[] = []) {
      let n = 0;
      const sqlText = ctx.store.dialect === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
      return (await ctx.store.db.executeQuery<T>(CompiledQuery.raw(sqlText, [...params]))).rows;
    },
    async sweep() {
      await fleet.sweep();
      await fleet.outbox.drain();
    },
    drainNotifications: () => fleet.outbox.drain(),
    createOperator: (input) => ctx.store.tx((q) => createOperator(q, ctx.now(), input)),
    async demoOperator() {
      const email = 'demo@locker.example';
      const password = randomBytes(12).toString('base64url');
      await ctx.store.tx(async (q) => {
        const had = await q.selectFrom('operators').select('id').where('email', '=', email).executeTakeFirst();
        if (!had) await createOperator(q, ctx.now(), { email, name: 'Demo Operator', role: 'admin', password });
        else await q.updateTable('operators').set({ password_hash: await hashPassword(password), disabled_at: null, role: 'admin', password_reset_at: null }).where('id', '=', had.id).execute();
      });
      return { email, password };
    },
  };
}

export interface DemoSeed {
  shipments: CreatedShipment[];
  driverBadge: BadgeResponse;
  technicianBadge: BadgeResponse;
}

// Agnieszka (the XL parcel) reads Polish: her "SMS" is in her language, the deadline in the kiosk's local time.
const DEMO: { size: ShipmentRequest['size']; accessible?: boolean; name: string; phone?: string; email?: string; locale?: ShipmentRequest['locale'] }[] = [
  { size: 'S', name: 'Ada', phone: '+48500100201' },
  { size: 'S', name: 'Grace', email: 'grace@example.com' },
  { size: 'M', name: 'Alan', phone: '+48500100203', accessible: true },
  { size: 'L', name: 'Edsger', phone: '+48500100204', email: 'edsger@example.com' },
  { size: 'XL', name: 'Agnieszka', phone: '+48500100205', locale: 'pl' },
];

/**
 * Demo data for a freshly enrolled kiosk: five expected shipments of mixed sizes (skipping any the kiosk cannot
 * take) and a driver and a technician badge. Call once per enrollment; barcodes are random so a re-run never
 * collides with an earlier one.
 */
export async function seedDemo(server: FleetServer, kioskId: string): Promise<DemoSeed> {
  const run = Math.random().toString(36).slice(2, 6).toUpperCase();
  const shipments: CreatedShipment[] = [];
  for (const [i, d] of DEMO.entries()) {
    try {
      shipments.push(
        await server.createShipment({
          barcode: `DEMO-${run}-${i + 1}`,
          size: d.size,
          accessible: d.accessible ?? false,
          kioskId,
          ...(d.locale ? { locale: d.locale } : {}),
          recipient: { name: d.name, ...(d.phone ? { phone: d.phone } : {}), ...(d.email ? { email: d.email } : {}) },
        }),
      );
    } catch (err) {
      if ((err as { code?: string }).code !== 'NO_CAPACITY') throw err;
    }
  }
  return {
    shipments,
    driverBadge: await server.issueBadge({ role: 'driver', name: 'Demo Driver', ttlHours: 24 * 30 }),
    technicianBadge: await server.issueBadge({ role: 'technician', name: 'Demo Technician', ttlHours: 24 * 30 }),
  };
}
