import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MllpClient } from './mllp-client.ts';
import type { ConnectionInfo, MllpServer } from './mllp-server.ts';
import { echoAck, makeTestCertificates, startTestServer, testMessage, type TestCertificates } from './test-support.ts';

const hasOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('MllpServer over TLS', () => {
  let certs: TestCertificates;
  const servers: MllpServer[] = [];
  beforeAll(() => {
    certs = makeTestCertificates();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop(100)));
  });

  it('When a client trusts the server certificate, then messages are acknowledged over TLS', async () => {
    const seen: ConnectionInfo[] = [];
    const { server, port } = await startTestServer({
      tls: { cert: certs.serverCert, key: certs.serverKey },
      handler: async (frame, info) => {
        seen.push(info);
        return echoAck(frame);
      },
    });
    servers.push(server);
    const c = await MllpClient.connect({ host: '127.0.0.1', port, tls: { ca: certs.caCert } });
    expect((await c.send(testMessage('T1'))).toString()).toBe('ACK|T1');
    await c.close();
    expect(seen[0]?.tls).toBe(true);
    expect(seen[0]?.clientCertSubject).toBeUndefined();
  });

  it('When client certificates are required, then a CA-signed one is accepted and its subject reported', async () => {
    const seen: ConnectionInfo[] = [];
    const { server, port } = await startTestServer({
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, requestCert: true },
      handler: async (frame, info) => {
        seen.push(info);
        return echoAck(frame);
      },
    });
    servers.push(server);
    const c = await MllpClient.connect({
      host: '127.0.0.1',
      port,
      tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey },
    });
    expect((await c.send(testMessage('T2'))).toString()).toBe('ACK|T2');
    await c.close();
    expect(seen[0]?.clientCertSubject).toBe('CN=lis01, O=Test Hospital');
  });

  it('When client certificates are required, then a stranger certificate or none gets no ACK', async () => {
    let handled = 0;
    const { server, port } = await startTestServer({
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, requestCert: true },
      handler: async (frame) => {
        handled++;
        return echoAck(frame);
      },
    });
    servers.push(server);
    const attempt = async (tls: { cert?: string; key?: string }): Promise<string> => {
      try {
        const c = await MllpClient.connect({ host: '127.0.0.1', port, tls: { ca: certs.caCert, ...tls } });
        // TLS 1.3 reports the client certificate verdict after the handshake: the first read fails.
        const ack = await c.send(testMessage('X'));
        return `answered ${ack.toString()}`;
      } catch {
        return 'refused';
      }
    };
    expect(await attempt({ cert: certs.strangerCert, key: certs.strangerKey })).toBe('refused');
    expect(await attempt({})).toBe('refused');
    expect(handled).toBe(0);
  });

  it('When a client does not trust the server certificate, then it refuses to connect', async () => {
    const { server, port } = await startTestServer({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    servers.push(server);
    await expect(MllpClient.connect({ host: '127.0.0.1', port, tls: {} })).rejects.toThrow();
  });
});
