import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  to: string[];
  raw: string;
}

/** A real SMTP server on loopback that keeps what it receives. */
export async function startSmtpSink(): Promise<{ url: string; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A stand-in SMS gateway: records `{to, text}` posts; `failing` makes it answer 503; `hanging` takes the message
 * (records it) and never answers, like a sender that dies mid-send; `stalled` accepts the request and never answers
 * nor takes the message (a wedged gateway); `stalledRequests` counts those, `answerStalled()` answers them 503 (the
 * gateway comes back), so a test moves on by state instead of waiting out the sender's timeout.
 */
export async function startSmsGateway(): Promise<{
  url: string;
  messages: { to: string; text: string }[];
  failing: boolean;
  hanging: boolean;
  stalled: boolean;
  stalledRequests: number;
  answerStalled(): void;
  close(): Promise<void>;
}> {
  const held: http.ServerResponse[] = [];
  const state = {
    url: '',
    messages: [] as { to: string; text: string }[],
    failing: false,
    hanging: false,
    stalled: false,
    stalledRequests: 0,
    answerStalled: () => {
      for (const res of held.splice(0)) if (!res.writableEnded && !res.destroyed) res.writeHead(503).end('back');
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (state.stalled) {
        state.stalledRequests++;
        held.push(res);
        return;
      }
      if (state.failing) {
        res.writeHead(503).end('down');
        return;
      }
      state.messages.push(JSON.parse(body));
      if (state.hanging) return;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"queued":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  return state;
}
