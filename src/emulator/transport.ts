/**
 * One port speaking HTTP/1.1 and cleartext HTTP/2 with prior knowledge, as the AWS SDK's two
 * Node handlers do: each connection's first bytes are compared with the HTTP/2 preface and the
 * socket goes to the matching server.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';

export type CompatHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

export interface Listener {
  port: number;
  /** Stops listening and drops every open connection (including hanging requests). */
  close(): Promise<void>;
}

const h2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export function listenHttp1And2(host: string, port: number, handler: CompatHandler): Promise<Listener> {
  const h1 = http.createServer(handler);
  const h2 = http2.createServer(handler);
  h1.on('clientError', (_err, socket) => socket.destroy());
  h2.on('sessionError', () => {});
  const sockets = new Set<Socket>();

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    routeByPreface(socket, (isH2) => (isH2 ? h2 : h1).emit('connection', socket));
  });

  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve({
        port: (tcp.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            tcp.close(() => done());
            for (const socket of sockets) socket.destroy();
            h1.close();
            h2.close();
          }),
      });
    });
  });
}

/** Reads until the bytes seen either are or cannot be the HTTP/2 preface, then hands them back. */
function routeByPreface(socket: Socket, route: (isH2: boolean) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (data: Buffer) => {
    seen = Buffer.concat([seen, data]);
    const compared = Math.min(seen.length, h2Preface.length);
    const matches = seen.subarray(0, compared).equals(h2Preface.subarray(0, compared));
    if (matches && seen.length < h2Preface.length) return;
    socket.off('data', onData);
    socket.pause();
    socket.unshift(seen);
    route(matches);
    process.nextTick(() => socket.resume());
  };
  socket.on('data', onData);
}
