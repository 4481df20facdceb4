/** Network conditions for tests that must not depend on whether this machine reaches the internet. */
import { createServer } from 'node:net';

/**
 * An http://127.0.0.1:<port> URL nothing listens on: the port is bound, then released, so a connection
 * to it is refused at once (ECONNREFUSED), on a machine with internet or without.
 */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
