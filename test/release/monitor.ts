// QEMU's human monitor over a unix socket, for the release scripts: screenshots and ACPI power-off.
import { createConnection } from 'node:net';
import { join } from 'node:path';

export class Monitor {
  constructor(readonly socket: string) {}

  /** Sends one HMP command and returns what the monitor printed within a moment. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = createConnection(this.socket);
      let text = '';
      s.on('data', (d) => (text += d.toString()));
      s.on('error', reject);
      s.once('connect', () => {
        s.write(`${line}\n`);
        setTimeout(() => { s.end(); resolve(text); }, 1500);
      });
    });
  }

  /** A PNG of the guest's screen in `dir`. */
  async screenshot(dir: string, name: string): Promise<string> {
    const file = join(dir, `${name}.png`);
    await this.command(`screendump ${file} -f png`);
    return file;
  }
}
