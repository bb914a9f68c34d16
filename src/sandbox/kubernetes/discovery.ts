/** Legacy discovery documents: enough for kubectl to map `deploy`, `rs`, `po`, `ns` to resources. */
const resource = (name: string, singularName: string, kind: string, namespaced: boolean, shortNames: string[]) => ({
  name,
  singularName,
  namespaced,
  kind,
  verbs: ['get', 'list'],
  shortNames,
  categories: namespaced ? ['all'] : undefined,
});

export const DISCOVERY: Record<string, unknown> = {
  '/version': { major: '1', minor: '31', gitVersion: 'v1.31.0-snap-sandbox', platform: 'linux/amd64', goVersion: 'go1.22' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [resource('namespaces', 'namespace', 'Namespace', false, ['ns']), resource('pods', 'pod', 'Pod', true, ['po'])],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'apps/v1',
    resources: [resource('deployments', 'deployment', 'Deployment', true, ['deploy']), resource('replicasets', 'replicaset', 'ReplicaSet', true, ['rs'])],
  },
};
