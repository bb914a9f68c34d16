/**
 * Legacy discovery documents: enough for kubectl to map `deploy`, `rs`, `sts`, `ds`, `cj`, `job`,
 * `po`, `ns` and ControllerRevisions to resources, and the kinds of snap's own CronJob manifest for
 * `kubectl apply --dry-run=client` (the workload kinds are served; a GET of the others is a
 * NotFound, as for an object that does not exist yet).
 */
const resource = (name: string, singularName: string, kind: string, namespaced: boolean, shortNames: string[], inAll = namespaced) => ({
  name,
  singularName,
  namespaced,
  kind,
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  shortNames,
  categories: inAll ? ['all'] : undefined,
});

export const DISCOVERY: Record<string, unknown> = {
  '/version': { major: '1', minor: '31', gitVersion: 'v1.31.0-snap-sandbox', platform: 'linux/amd64', goVersion: 'go1.22' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: ['apps', 'batch', 'rbac.authorization.k8s.io'].map((name) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } })),
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      resource('namespaces', 'namespace', 'Namespace', false, ['ns']),
      resource('pods', 'pod', 'Pod', true, ['po']),
      resource('configmaps', 'configmap', 'ConfigMap', true, ['cm'], false),
      resource('secrets', 'secret', 'Secret', true, [], false),
      resource('serviceaccounts', 'serviceaccount', 'ServiceAccount', true, ['sa'], false),
      resource('persistentvolumeclaims', 'persistentvolumeclaim', 'PersistentVolumeClaim', true, ['pvc'], false),
    ],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'apps/v1',
    resources: [
      resource('deployments', 'deployment', 'Deployment', true, ['deploy']),
      resource('replicasets', 'replicaset', 'ReplicaSet', true, ['rs']),
      resource('statefulsets', 'statefulset', 'StatefulSet', true, ['sts']),
      resource('daemonsets', 'daemonset', 'DaemonSet', true, ['ds']),
      resource('controllerrevisions', 'controllerrevision', 'ControllerRevision', true, [], false),
    ],
  },
  '/apis/batch/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'batch/v1',
    resources: [resource('cronjobs', 'cronjob', 'CronJob', true, ['cj']), resource('jobs', 'job', 'Job', true, [])],
  },
  '/apis/rbac.authorization.k8s.io/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'rbac.authorization.k8s.io/v1',
    resources: [
      resource('clusterroles', 'clusterrole', 'ClusterRole', false, []),
      resource('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', false, []),
      resource('roles', 'role', 'Role', true, [], false),
      resource('rolebindings', 'rolebinding', 'RoleBinding', true, [], false),
    ],
  },
};

/**
 * The discovery document at `path` for a cluster with the given custom resources installed: the
 * argoproj.io group (Argo Rollouts' `rollouts`, Argo CD's `applications`) is listed only where its
 * CRDs are, as on a real API server.
 */
export function discoveryFor(path: string, crds: readonly ('rollouts' | 'applications')[]): unknown {
  if (crds.length === 0) return DISCOVERY[path];
  if (path === '/apis') {
    const list = DISCOVERY['/apis'] as { groups: unknown[] };
    const argo = { name: 'argoproj.io', versions: [{ groupVersion: 'argoproj.io/v1alpha1', version: 'v1alpha1' }], preferredVersion: { groupVersion: 'argoproj.io/v1alpha1', version: 'v1alpha1' } };
    return { ...list, groups: [...list.groups, argo] };
  }
  if (path === '/apis/argoproj.io/v1alpha1') {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'argoproj.io/v1alpha1',
      resources: [
        ...(crds.includes('rollouts') ? [resource('rollouts', 'rollout', 'Rollout', true, ['ro'])] : []),
        ...(crds.includes('applications') ? [resource('applications', 'application', 'Application', true, ['app', 'apps'])] : []),
      ],
    };
  }
  return DISCOVERY[path];
}
