import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterClient, KubeRequestError, loadKubeConfig } from '../src/sources/kubernetes/client.js';
import { staticRequestOptions } from '../src/sources/kubernetes/kubeconfig.js';
import { startTestSandbox, type TestSandbox } from './helpers/sandbox.js';

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const file = async (dir: string, name: string, content: unknown) => {
  const p = path.join(dir, name);
  await writeFile(p, typeof content === 'string' ? content : stringify(content), { mode: 0o700 });
  return p;
};

describe('kubeconfig', () => {
  it('merges $KUBECONFIG files like kubectl: the first to name a context, cluster or user wins', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'snap-kc-'));
    const a = await file(dir, 'a.yaml', {
      'current-context': 'dev',
      clusters: [{ name: 'c1', cluster: { server: 'https://one', 'certificate-authority': 'ca.pem' } }],
      users: [{ name: 'u1', user: { tokenFile: 'token.txt' } }],
      contexts: [{ name: 'dev', context: { cluster: 'c1', user: 'u1' } }],
    });
    const b = await file(dir, 'b.yaml', {
      'current-context': 'prod',
      clusters: [{ name: 'c1', cluster: { server: 'https://ignored' } }, { name: 'c2', cluster: { server: 'https://two', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u2', user: { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') } }, { name: 'u3', user: { exec: { command: 'aws' } } }],
      contexts: [
        { name: 'prod', context: { cluster: 'c2', user: 'u2' } },
        { name: 'eks', context: { cluster: 'c2', user: 'u3' } },
      ],
    });
    await file(dir, 'ca.pem', 'CA');
    await file(dir, 'token.txt', 'secret-token\n');
    const kc = loadKubeConfig(undefined, { KUBECONFIG: [a, path.join(dir, 'missing.yaml'), b].join(path.delimiter) });
    expect(kc.contexts).toEqual(['dev', 'prod', 'eks']);
    expect(kc.current).toBe('dev');
    const dev = kc.context('dev')!;
    expect(dev.server).toBe('https://one');
    expect(staticRequestOptions(dev)).toEqual({ headers: { accept: 'application/json', authorization: 'Bearer secret-token' }, ca: Buffer.from('CA') });
    expect(staticRequestOptions(kc.context('prod')!)).toMatchObject({ rejectUnauthorized: false, cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    expect(kc.context('eks')!.needsClientLibrary).toBe(true);
    expect(kc.context('nope')).toBeUndefined();
    expect(() => loadKubeConfig(path.join(dir, 'missing.yaml'))).toThrow(/cannot load the kubeconfig: .*missing\.yaml does not exist/);
  });

  it('runs exec credential plugins through @kubernetes/client-node', async () => {
    t = await startTestSandbox();
    const dir = t.dir;
    const plugin = (token: string) =>
      `#!/bin/sh\necho '${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token } })}'\n`;
    const server = t.sandbox.kubernetes.cluster('sandbox-prod').url;
    const config = (command: string) => ({
      'current-context': 'prod',
      clusters: [{ name: 'prod', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command } } }],
      contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'u' } }],
    });
    const good = await file(dir, 'good.sh', plugin('sandbox-token-sandbox-prod'));
    const bad = await file(dir, 'bad.sh', plugin('wrong'));
    const ok = createClusterClient(loadKubeConfig(await file(dir, 'ok.yaml', config(good))), 'prod', 5000)!;
    expect((await ok.list('deployments', { limit: 5 })).items.length).toBe(5);
    const rejected = createClusterClient(loadKubeConfig(await file(dir, 'no.yaml', config(bad))), 'prod', 5000)!;
    const error = await rejected.list('deployments', { limit: 5 }).catch((e) => e);
    expect(error).toBeInstanceOf(KubeRequestError);
    expect(error.failure).toBe('unauthorized');
  });
});
