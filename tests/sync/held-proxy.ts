import net from 'node:net';

/**
 * A TCP proxy between a kiosk and its fleet server that plays a slow link for chosen requests: a connection whose
 * bytes match `hold` is not forwarded while the kiosk waits; once the kiosk gives up and closes it, the held bytes go to
 * the server at last, followed by the kiosk's FIN (what a stalled link or a server frozen for a while looks like from
 * the server). Everything else passes through untouched.
 */
export interface HeldProxy {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Connections held so far, and how many of them the server has finished with (its side closed). */
  held: number;
  delivered: number;
  close(): Promise<void>;
}

export async function startHeldProxy(upstreamPort: number, hold: (firstBytes: string) => boolean): Promise<HeldProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const proxy: HeldProxy = { url: '', held: 0, delivered: 0, close: async () => {} };
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    track(upstream);
    let holding = false;
    const kept: Buffer[] = [];
    client.on('data', (chunk: Buffer) => {
      if (!holding && hold(chunk.toString('latin1'))) {
        holding = true;
        proxy.held++;
      }
      if (holding) kept.push(chunk);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!holding && !client.destroyed) client.write(chunk);
    });
    client.on('close', () => {
      if (!holding) return upstream.destroy();
      upstream.on('close', () => proxy.delivered++);
      upstream.end(Buffer.concat(kept));
    });
    upstream.on('close', () => {
      if (!holding) client.destroy();
    });
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
