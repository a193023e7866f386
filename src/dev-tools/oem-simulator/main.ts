// Runs the OEM simulator as its own HTTP server. Configuration comes from the caller (src/config.ts reads
// the environment), never from process.env here.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOemSimulator, type OemSimulatorOptions, type TestKnobs } from './app.ts';

export interface StartOemSimulatorOptions extends Omit<OemSimulatorOptions, 'publicUrl'> {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Defaults to the address the server listens on, e.g. `http://127.0.0.1:40123`. */
  publicUrl?: string;
}

export interface RunningOemSimulator {
  url: string;
  knobs: TestKnobs;
  close(): Promise<void>;
}

export async function startOemSimulator(options: StartOemSimulatorOptions): Promise<RunningOemSimulator> {
  const { port, host = '127.0.0.1', publicUrl, ...rest } = options;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const simulator = createOemSimulator({ ...rest, publicUrl: publicUrl ?? url });
  server.on('request', simulator.app.callback());
  return {
    url,
    knobs: simulator.knobs,
    async close() {
      simulator.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
