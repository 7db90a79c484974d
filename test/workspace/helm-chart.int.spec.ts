import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  ConfigError,
  envSchema,
  envVarMeta,
  envVarNames,
  loadConfig,
  type EnvVarName,
} from '@ringback/config';
import { topologyServices } from '../infra/topology/topology';

const root = path.resolve(__dirname, '../..');
const chart = path.join(root, 'charts/ringback');
const production = path.join(chart, 'values-production.yaml');

/** Helm from test/infra/helm.sh (npm test builds it; HELM names it). Missing: not run, or a failure in npm test. */
function helmBinary(t: TestContext): string | undefined {
  const fromEnv = process.env['HELM'];
  if (fromEnv) return fromEnv;
  const probe = spawnSync('bash', [path.join(root, 'test/infra/helm.sh'), 'path'], { encoding: 'utf8' });
  if (probe.status === 0) return probe.stdout.trim();
  const reason = 'not run: no helm (bash test/infra/helm.sh fetch builds it)';
  if (process.env['RINGBACK_REQUIRE_INFRA'] === '1') throw new Error(reason);
  t.skip(reason);
  return undefined;
}

function helm(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `helm ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown }[];
}

function render(bin: string, values?: string): K8sObject[] {
  const out = helm(bin, ['template', 'rb', chart, ...(values ? ['-f', values] : [])]);
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null);
}

const podOf = (o: K8sObject): PodSpec => (o.spec['template'] as { spec: PodSpec }).spec;
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

/**
 * A value the schema accepts for a variable the chart takes from a Secret (the value itself is never in
 * the chart): the first candidate that parses, so the sample follows the schema, not a hand list.
 */
function sampleSecret(name: string): string {
  const candidates = [
    'kurrentdb://kurrentdb.kurrentdb.svc:2113?tls=true',
    'mongodb://ringback:pw@mongodb.mongodb.svc:27017/ringback?replicaSet=rs0',
    'https://idp.example.org/jwks.json',
    's'.repeat(48),
  ];
  const schema = envSchema.shape[name as EnvVarName];
  assert.ok(schema, `${name} is a configuration variable`);
  const found = candidates.find((c) => schema.safeParse(c).success);
  assert.ok(found, `no sample value for ${name}`);
  return found;
}

/** The environment the container would see, with each Secret reference replaced by a valid sample. */
function containerEnv(c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = sampleSecret(e.name);
    else assert.fail(`${c.name}: ${e.name} has neither a value nor a Secret reference`);
  }
  return env;
}

/** Fails unless the service's config schema (libs/platform/config) accepts what the chart sets. */
function assertConfigAccepts(service: string, env: Record<string, string>): void {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError)
      assert.fail(`${service}: the chart's env fails the config schema:\n${error.message}`);
    throw error;
  }
}

function checkDeployments(objects: K8sObject[]): void {
  const deployments = ofKind(objects, 'Deployment');
  const services = topologyServices();
  assert.deepEqual(
    deployments.map((d) => d.metadata.labels?.['app.kubernetes.io/name']).sort(),
    services,
    'one Deployment per service of services/*/src/main.ts',
  );
  const known = new Set<string>(envVarNames());
  for (const d of deployments) {
    const service = d.metadata.labels?.['app.kubernetes.io/name'] ?? '';
    const pod = podOf(d);
    assert.equal(pod.containers.length, 1, `${service}: one container`);
    const c = pod.containers[0]!;
    assert.match(c.image, new RegExp(`/ringback-${service}:`), `${service}: its own image`);

    // Probes on the contract's endpoints, on the port the process listens on.
    const http = c.ports?.find((p) => p.name === 'http');
    assert.ok(http, `${service}: an http port`);
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz', `${service}: liveness on /healthz`);
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', `${service}: readiness on /readyz`);
    assert.equal(c.startupProbe?.httpGet?.path, '/healthz', `${service}: startup on /healthz`);
    for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe])
      assert.equal(p?.httpGet?.port, 'http');

    // Resources.
    for (const kind of ['requests', 'limits'] as const)
      for (const r of ['cpu', 'memory'])
        assert.ok(c.resources?.[kind]?.[r], `${service}: resources.${kind}.${r}`);

    // Non-root, no privilege escalation, read-only root, every capability dropped.
    assert.equal(pod.securityContext?.['runAsNonRoot'], true, `${service}: pod runAsNonRoot`);
    assert.equal(c.securityContext?.['runAsNonRoot'], true, `${service}: runAsNonRoot`);
    assert.equal(
      c.securityContext?.['allowPrivilegeEscalation'],
      false,
      `${service}: allowPrivilegeEscalation`,
    );
    assert.equal(c.securityContext?.['readOnlyRootFilesystem'], true, `${service}: readOnlyRootFilesystem`);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${service}: capabilities dropped`);
    // With a read-only root, tsx's cache and DATA_DIR need writable volumes.
    const env = containerEnv(c);
    for (const dir of ['/tmp', env['DATA_DIR']]) {
      const mount = c.volumeMounts?.find((m) => m.mountPath === dir);
      assert.ok(mount, `${service}: ${dir} is a writable volume`);
      assert.ok(pod.volumes?.find((v) => v.name === mount.name)?.emptyDir !== undefined);
    }

    // Env wiring against the config schema: known names only, secrets only by reference, and the
    // schema accepts the whole environment as this service would load it.
    const names = (c.env ?? []).map((e) => e.name);
    assert.equal(new Set(names).size, names.length, `${service}: no variable twice`);
    for (const e of c.env ?? []) {
      assert.ok(known.has(e.name), `${service}: ${e.name} is not a configuration variable`);
      if (envVarMeta(e.name as EnvVarName).secret)
        assert.ok(
          e.valueFrom?.secretKeyRef && e.value === undefined,
          `${service}: ${e.name} comes from a Secret`,
        );
    }
    for (const e of ['KURRENTDB_URL', 'MONGO_URL'])
      assert.ok(
        c.env?.find((x) => x.name === e)?.valueFrom?.secretKeyRef,
        `${service}: ${e} (credentials) from a Secret`,
      );
    assertConfigAccepts(service, env);
    const config = loadConfig(env);
    assert.equal(config.mode, 'distributed');
    assert.equal(config.eventStore, 'kurrentdb');
    assert.equal(config.nodeEnv, 'production');
    assert.equal(config.serviceName, service);
    assert.equal(config.http.port, http.containerPort);
    assert.ok(config.shutdown.drainMs > 0, `${service}: drains on SIGTERM`);
  }
}

function checkCompanions(objects: K8sObject[]): void {
  const deployments = new Map(ofKind(objects, 'Deployment').map((d) => [d.metadata.name, d]));
  const services = new Set(ofKind(objects, 'Service').map((s) => s.metadata.name));
  for (const name of deployments.keys()) assert.ok(services.has(name), `${name}: a Service`);
  for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler')) {
    const target = (hpa.spec['scaleTargetRef'] as { name: string }).name;
    assert.ok(deployments.has(target), `HPA ${hpa.metadata.name} scales an existing Deployment`);
    assert.equal(deployments.get(target)!.spec['replicas'], undefined, `${target}: replicas left to the HPA`);
  }
  const selects = (o: K8sObject, key: string) =>
    ((o.spec[key] as { matchLabels: Record<string, string> }) ?? { matchLabels: {} }).matchLabels;
  for (const [name, d] of deployments) {
    const labels = (d.spec['selector'] as { matchLabels: Record<string, string> }).matchLabels;
    const covered = (kind: string, key: string) =>
      ofKind(objects, kind).some((o) => JSON.stringify(selects(o, key)) === JSON.stringify(labels));
    assert.ok(covered('PodDisruptionBudget', 'selector'), `${name}: a PodDisruptionBudget`);
    assert.ok(covered('NetworkPolicy', 'podSelector'), `${name}: a NetworkPolicy`);
  }
  assert.equal(ofKind(objects, 'Secret').length, 0, 'the chart renders no Secret: existing ones only');

  // The Ingress routes exactly the route table, gateway last, with websocket-friendly timeouts.
  const [ingress] = ofKind(objects, 'Ingress');
  assert.ok(ingress);
  const routes = JSON.parse(readFileSync(path.join(root, 'deploy/routes.json'), 'utf8')) as {
    default: string;
    routes: { prefix: string; service: string }[];
  };
  assert.equal(
    readFileSync(path.join(chart, 'files/routes.json'), 'utf8'),
    readFileSync(path.join(root, 'deploy/routes.json'), 'utf8'),
    'charts/ringback/files/routes.json is a copy of deploy/routes.json',
  );
  const rules = ingress.spec['rules'] as {
    http: { paths: { path: string; pathType: string; backend: { service: { name: string } } }[] };
  }[];
  const paths = rules[0]!.http.paths.map((p) => [p.path, p.backend.service.name, p.pathType]);
  assert.deepEqual(paths, [
    ...routes.routes.map((r) => [r.prefix, `rb-${r.service}`, 'Prefix']),
    ['/', `rb-${routes.default}`, 'Prefix'],
  ]);
  for (const [, backend] of paths) assert.ok(services.has(backend!), `Ingress backend ${backend} exists`);
  const annotations = ingress.metadata.annotations ?? {};
  assert.ok(
    Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600,
    'websocket read timeout',
  );
  assert.ok(
    Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']) >= 3600,
    'websocket send timeout',
  );

  // Topic provisioning as a hook Job, as locked down as the services.
  const [job] = ofKind(objects, 'Job');
  assert.ok(job);
  assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  const pod = podOf(job);
  const c = pod.containers[0]!;
  assert.deepEqual(c.command, ['node', '--import', 'tsx', 'services/all-in-one/src/provision-topics.ts']);
  assert.ok(c.args?.some((a) => /^--replication-factor=\d+$/.test(a)));
  assert.equal(pod.securityContext?.['runAsNonRoot'], true);
  assert.equal(c.securityContext?.['readOnlyRootFilesystem'], true);
  assert.equal(c.securityContext?.['allowPrivilegeEscalation'], false);
  const jobEnv = containerEnv(c);
  for (const name of Object.keys(jobEnv)) assert.ok(envVarNames().includes(name as EnvVarName), name);
  assert.ok(loadConfig(jobEnv).kafka.brokers.length > 0, 'the Job knows the brokers');
}

describe('charts/ringback', () => {
  it('passes helm lint --strict with the default and the production values', (t) => {
    const bin = helmBinary(t);
    if (!bin) return;
    helm(bin, ['lint', '--strict', chart]);
    helm(bin, ['lint', '--strict', chart, '-f', production]);
  });

  it('renders, with the default values, a locked-down Deployment per service wired as its config schema needs', (t) => {
    const bin = helmBinary(t);
    if (!bin) return;
    const objects = render(bin);
    checkDeployments(objects);
    checkCompanions(objects);
    assert.equal(ofKind(objects, 'ServiceMonitor').length, 0, 'ServiceMonitor is optional, off by default');
  });

  it('renders the production example: JWKS, Twilio, ServiceMonitors, consumer-lag autoscaling', (t) => {
    const bin = helmBinary(t);
    if (!bin) return;
    const objects = render(bin, production);
    checkDeployments(objects);
    checkCompanions(objects);
    assert.equal(ofKind(objects, 'ServiceMonitor').length, ofKind(objects, 'Deployment').length);
    for (const d of ofKind(objects, 'Deployment')) {
      const names = (podOf(d).containers[0]!.env ?? []).map((e) => e.name);
      assert.ok(names.includes('AUTH_JWKS_URL') && !names.includes('AUTH_JWT_SECRET'), d.metadata.name);
      const config = loadConfig(containerEnv(podOf(d).containers[0]!));
      assert.equal(config.messages.channel, 'twilio');
      assert.equal(config.kafka.namespace, 'prod');
    }
    const triage = ofKind(objects, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === 'rb-triage');
    const metrics = (triage?.spec['metrics'] ?? []) as {
      type: string;
      external?: { metric: { name: string } };
    }[];
    assert.ok(
      metrics.some((m) => m.type === 'External' && m.external?.metric.name === 'ringback_bus_consumer_lag'),
    );
  });

  it('the env check fails when the chart leaves out a variable the schema requires', (t) => {
    const bin = helmBinary(t);
    if (!bin) return;
    const [deployment] = ofKind(render(bin), 'Deployment');
    const env = containerEnv(podOf(deployment!).containers[0]!);
    // Which variables the schema cannot do without here, found by taking each one away in turn.
    const required = Object.keys(env).filter((name) => {
      const { [name]: _dropped, ...rest } = env;
      try {
        loadConfig(rest);
        return false;
      } catch (error) {
        return error instanceof ConfigError;
      }
    });
    for (const name of [
      'KAFKA_BROKERS',
      'KURRENTDB_URL',
      'MONGO_URL',
      'AUTH_JWT_SECRET',
      'INGEST_WEBHOOK_SECRET',
    ])
      assert.ok(required.includes(name), `${name} is required by the schema with these values`);
    for (const name of required) {
      const { [name]: _dropped, ...rest } = env;
      assert.throws(() => assertConfigAccepts('call-ingest', rest), new RegExp(name));
    }
  });
});
