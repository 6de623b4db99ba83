import nodemailer from 'nodemailer';
import QRCode from 'qrcode';
import { QR_CID } from './email-html';
import type { Message } from './messages';

export type ChannelName = 'smtp' | 'sms' | 'console';

/**
 * A way to reach a recipient. `send` throws on failure; the outbox retries with backoff. `signal` asks a send to give
 * up early (shutdown); a channel that cannot abort may ignore it, the outbox stops waiting for it anyway.
 */
export interface Channel {
  readonly name: ChannelName;
  send(address: string, message: Message, signal?: AbortSignal): Promise<void>;
  close?(): void;
}

export interface ChannelsConfig {
  /** e.g. `smtp://user:pass@mail.example.com:587`; email recipients go here. */
  smtpUrl?: string;
  smtpFrom?: string;
  /** The SMS gateway: POST JSON `{to, text}` to this URL; any 2xx is success. Phone recipients go here. */
  smsUrl?: string;
  /** Demo: print messages to stdout (or hand each line to this function). Takes addresses no other channel covers. */
  console?: boolean | ((line: string) => void);
  /** Per-send timeout, ms. */
  timeoutMs?: number;
}

export function smtpChannel(url: string, from: string, timeoutMs: number): Channel {
  // options.url is parsed by nodemailer's SMTP transport; the timeouts keep a dead server from holding a send.
  const t = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    name: 'smtp',
    async send(address, message) {
      await t.sendMail({
        from,
        to: address,
        subject: message.subject,
        text: message.text,
        ...(message.html ? { html: message.html } : {}),
        // The pickup QR as an inline image referenced by cid (email-html.ts): rendered here, at send time, so the sealed
        // row carries only the payload. Quiet zone 4 modules and level M, as a phone held up to a scanner needs.
        ...(message.qr ? { attachments: [{ filename: 'pickup-qr.png', content: await qrPng(message.qr), contentType: 'image/png', cid: QR_CID }] } : {}),
      });
    },
    close: () => t.close(),
  };
}

/** The QR's PNG: 480 px wide, black on white. */
export function qrPng(payload: string): Promise<Buffer> {
  return QRCode.toBuffer(payload, { type: 'png', errorCorrectionLevel: 'M', margin: 4, width: 480, color: { dark: '#000000', light: '#ffffff' } });
}

export function smsChannel(url: string, timeoutMs: number): Channel {
  return {
    name: 'sms',
    async send(address, message, signal) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: address, text: message.text }),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
    },
  };
}

export function consoleChannel(out: (line: string) => void = (l) => console.log(l)): Channel {
  return {
    name: 'console',
    async send(address, message) {
      out(`[${address.startsWith('+') ? 'sms' : 'email'} to ${address}] ${message.text}`);
    },
  };
}

export function buildChannels(cfg: ChannelsConfig): Map<ChannelName, Channel> {
  const timeoutMs = cfg.timeoutMs ?? 10_000;
  const m = new Map<ChannelName, Channel>();
  if (cfg.smtpUrl) m.set('smtp', smtpChannel(cfg.smtpUrl, cfg.smtpFrom ?? 'Locker <no-reply@locker.invalid>', timeoutMs));
  if (cfg.smsUrl) m.set('sms', smsChannel(cfg.smsUrl, timeoutMs));
  if (cfg.console) m.set('console', consoleChannel(typeof cfg.console === 'function' ? cfg.console : undefined));
  return m;
}
