import { existsSync } from 'node:fs';
import { readRegularFileSync } from '../../util/read-file.js';
import type https from 'node:https';
import { homedir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ExitCode, SnapError } from '../../errors.js';

/**
 * The kubeconfig, read the way kubectl reads it: an explicit file, else every file in $KUBECONFIG
 * (the first to name a context, cluster or user wins), else ~/.kube/config. Static credentials
 * (tokens, token files, client certificates, basic auth, CA files) are applied here; a context whose
 * user runs an exec plugin or an auth provider, or whose cluster goes through a proxy, is handed to
 * @kubernetes/client-node, which is loaded only then (it takes ~0.4 s to load).
 */
type Named<T> = { name: string } & Record<string, T>;
interface RawConfig {
  clusters?: Named<Record<string, unknown>>[];
  users?: Named<Record<string, unknown>>[];
  contexts?: Named<{ cluster?: string; user?: string; namespace?: string }>[];
  'current-context'?: string;
}

export interface KubeContext {
  name: string;
  server: string;
  cluster: Record<string, unknown>;
  user: Record<string, unknown>;
  /** Folder of the file that defined the cluster / user: relative paths are resolved from it. */
  clusterDir: string;
  userDir: string;
  /** Needs @kubernetes/client-node: an exec plugin, an auth provider or a proxy. */
  needsClientLibrary: boolean;
}

export interface Kubeconfig {
  files: string[];
  contexts: string[];
  current?: string;
  context(name: string): KubeContext | undefined;
}

function invalid(message: string): SnapError {
  return new SnapError('KUBECONFIG_INVALID', `cannot load the kubeconfig: ${message}`, {
    exitCode: ExitCode.usage,
    hint: 'set kubernetes.kubeconfig in the config, SNAP_KUBECONFIG or KUBECONFIG to a readable kubeconfig file',
  });
}

export function kubeconfigFiles(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (file) return [file];
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  return list.length ? list : [path.join(env.HOME || homedir(), '.kube', 'config')];
}

export function readKubeconfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Kubeconfig {
  const files = kubeconfigFiles(file, env);
  const clusters = new Map<string, { value: Record<string, unknown>; dir: string }>();
  const users = new Map<string, { value: Record<string, unknown>; dir: string }>();
  const contexts = new Map<string, { cluster?: string; user?: string }>();
  let current: string | undefined;
  let read = 0;
  for (const f of files) {
    if (!existsSync(f)) {
      if (file) throw invalid(`${f} does not exist`);
      continue;
    }
    let raw: RawConfig;
    try {
      raw = (parse(readRegularFileSync(f, MAX_KUBECONFIG_BYTES)) ?? {}) as RawConfig;
    } catch (error) {
      throw invalid(`${f}: ${(error as Error).message}`);
    }
    read++;
    const dir = path.dirname(path.resolve(f));
    for (const c of raw.clusters ?? []) if (c?.name && !clusters.has(c.name)) clusters.set(c.name, { value: (c.cluster ?? {}) as Record<string, unknown>, dir });
    for (const u of raw.users ?? []) if (u?.name && !users.has(u.name)) users.set(u.name, { value: (u.user ?? {}) as Record<string, unknown>, dir });
    for (const c of raw.contexts ?? []) if (c?.name && !contexts.has(c.name)) contexts.set(c.name, (c.context ?? {}) as { cluster?: string; user?: string });
    current ??= raw['current-context'] || undefined;
  }
  if (read === 0) throw invalid(`none of ${files.join(', ')} exists`);
  return {
    files,
    contexts: [...contexts.keys()],
    ...(current ? { current } : {}),
    context(name) {
      const ctx = contexts.get(name);
      if (!ctx) return undefined;
      const cluster = clusters.get(ctx.cluster ?? '');
      const user = ctx.user ? users.get(ctx.user) : undefined;
      if (!cluster) return undefined;
      const u = user?.value ?? {};
      return {
        name,
        server: String(cluster.value.server ?? ''),
        cluster: cluster.value,
        user: u,
        clusterDir: cluster.dir,
        userDir: user?.dir ?? cluster.dir,
        needsClientLibrary: Boolean(u.exec || u['auth-provider'] || cluster.value['proxy-url']),
      };
    },
  };
}

/** Kubeconfigs, certificates and token files are small; anything larger (or a pipe, a device) is refused. */
const MAX_KUBECONFIG_BYTES = 16 * 1048576;

const fileOrData = (dir: string, fileKey: unknown, dataKey: unknown): Buffer | undefined =>
  typeof dataKey === 'string' ? Buffer.from(dataKey, 'base64') : typeof fileKey === 'string' ? Buffer.from(readRegularFileSync(path.resolve(dir, fileKey), MAX_KUBECONFIG_BYTES), 'utf8') : undefined;

/** TLS and credentials of a context with static credentials, as request options. */
export function staticRequestOptions(ctx: KubeContext): https.RequestOptions {
  const { cluster, user } = ctx;
  const options: https.RequestOptions = { headers: { accept: 'application/json' } };
  const ca = fileOrData(ctx.clusterDir, cluster['certificate-authority'], cluster['certificate-authority-data']);
  if (ca) options.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) options.rejectUnauthorized = false;
  if (typeof cluster['tls-server-name'] === 'string') options.servername = cluster['tls-server-name'];
  const cert = fileOrData(ctx.userDir, user['client-certificate'], user['client-certificate-data']);
  const key = fileOrData(ctx.userDir, user['client-key'], user['client-key-data']);
  if (cert) options.cert = cert;
  if (key) options.key = key;
  const token = typeof user.token === 'string' ? user.token : typeof user.tokenFile === 'string' ? readRegularFileSync(path.resolve(ctx.userDir, user.tokenFile), MAX_KUBECONFIG_BYTES).trim() : undefined;
  if (token) (options.headers as Record<string, string>).authorization = `Bearer ${token}`;
  else if (typeof user.username === 'string') options.auth = `${user.username}:${String(user.password ?? '')}`;
  return options;
}
