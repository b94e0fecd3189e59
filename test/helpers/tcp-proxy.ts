import { createServer, connect, type Server, type Socket } from 'node:net';

/** How a cut proxy treats new connections: reset at once (server down) or accept and never answer (network partition). */
export type CutMode = 'refuse' | 'blackhole';

export interface TcpProxy {
  /** 127.0.0.1:port the proxy listens on. */
  port: number;
  /** Destroys every live connection; new ones are refused or black-holed until `restore`. */
  cut(mode?: CutMode): void;
  restore(): void;
  /** Connections accepted so far (both directions counted once). */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy to a dependency (Postgres, Redis) that a test can cut and restore, to
 * play "the server went down" without touching the shared server itself.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const live = new Set<Socket>();
  let mode: CutMode | undefined;
  let connections = 0;
  const server: Server = createServer((client) => {
    connections++;
    live.add(client);
    client.on('close', () => live.delete(client));
    client.on('error', () => undefined);
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'blackhole') return; // held open, never answered; destroyed by the next cut/restore or close
    const upstream = connect(target.port, target.host);
    live.add(upstream);
    upstream.on('close', () => {
      live.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref(); // never what keeps a test process alive
  const dropAll = () => {
    for (const s of live) s.destroy();
    live.clear();
  };
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return connections;
    },
    cut(m = 'refuse') {
      mode = m;
      dropAll();
    },
    restore() {
      mode = undefined;
      dropAll(); // black-holed connections die, so their clients reconnect through the open proxy
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A copy of a postgres:// or redis:// URL pointed at the proxy. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
