import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, envVarNames, loadConfig } from '@ringback/config';
import { topologyServices } from '../infra/topology/topology';

// No Docker engine here to run `docker compose config`: this reads the file as compose would (YAML
// merge keys, ${VAR:-default} interpolation with nothing exported) and checks its wiring.
const root = path.resolve(__dirname, '../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  healthcheck?: unknown;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

const interpolate = (value: string): string =>
  value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name: string, fallback?: string) => fallback ?? '');
const envOf = (s: ComposeService): Record<string, string> =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
const dependsOn = (s: ComposeService): Record<string, string> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, v.condition]));

/** The Ringback containers: built from the one Dockerfile, by service name. */
const ringback = Object.entries(services).filter(
  ([name, s]) => s.build?.dockerfile === 'deploy/docker/Dockerfile' && name !== 'topics',
);
const hostPort = (hostAndPort: string) => {
  const [host, port] = hostAndPort.split(':');
  return { host: host!, port: Number(port) };
};

describe('docker-compose.yml', () => {
  it('has the infrastructure, every service (two gateways), the proxy and the observability stack', () => {
    const expected = [
      'kafka',
      'topics',
      'kurrentdb',
      'mongodb',
      ...topologyServices().flatMap((s) => (s === 'gateway' ? ['gateway-1', 'gateway-2'] : [s])),
      'proxy',
      'prometheus',
      'grafana',
      'otel-collector',
      'jaeger',
    ];
    assert.deepEqual(Object.keys(services).sort(), expected.sort());
    assert.deepEqual(
      ringback.map(([, s]) => s.build?.args?.['SERVICE']).sort(),
      [...topologyServices(), 'gateway'].sort(),
      'each service built from deploy/docker/Dockerfile with its SERVICE',
    );
  });

  it('runs the same Kafka as the tests, in KRaft mode, without topic auto-creation', () => {
    const kafka = services['kafka']!;
    const pom = read('test/infra/kafka/pom.xml');
    assert.equal(kafka.image, `apache/kafka:${/<kafka.version>([^<]+)</.exec(pom)?.[1]}`);
    const env = envOf(kafka);
    assert.equal(env['KAFKA_PROCESS_ROLES'], 'broker,controller');
    assert.equal(env['KAFKA_AUTO_CREATE_TOPICS_ENABLE'], 'false');
    assert.deepEqual(kafka.ports, ['127.0.0.1:39092:9092']);
    assert.deepEqual(services['mongodb']!.ports, ['127.0.0.1:37017:27017']);
    assert.deepEqual(services['kurrentdb']!.ports, ['127.0.0.1:2113:2113']);
    assert.ok(services['mongodb']!.command?.includes('--replSet'), 'MongoDB as a replica set');
  });

  it('creates the topics in an init container before any service starts', () => {
    const topics = services['topics']!;
    assert.ok(topics.command?.includes('services/all-in-one/src/provision-topics.ts'));
    assert.ok(topics.command?.some((a) => /^--replication-factor=\d+$/.test(a)));
    assert.equal(dependsOn(topics)['kafka'], 'service_healthy');
    const env = envOf(topics);
    const kafkaListeners = envOf(services['kafka']!)['KAFKA_ADVERTISED_LISTENERS'] ?? '';
    assert.ok(
      kafkaListeners.includes(`//${env['KAFKA_BROKERS']}`),
      'the init container reaches an advertised listener',
    );
    for (const [name, s] of ringback)
      assert.equal(dependsOn(s)['topics'], 'service_completed_successfully', `${name} waits for the topics`);
  });

  it('gives every service an environment its config schema accepts, wired to the containers it needs', () => {
    const known = new Set<string>(envVarNames());
    const advertised = envOf(services['kafka']!)['KAFKA_ADVERTISED_LISTENERS'] ?? '';
    const otel = parse(read('deploy/compose/otel-collector.yaml')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
    };
    for (const [name, s] of ringback) {
      const env = envOf(s);
      for (const k of Object.keys(env))
        assert.ok(known.has(k), `${name}: ${k} is not a configuration variable`);
      let config;
      try {
        config = loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) assert.fail(`${name}: ${error.message}`);
        throw error;
      }
      assert.equal(config.mode, 'distributed');
      assert.equal(config.eventStore, 'kurrentdb', `${name}: the real KurrentDB here`);
      assert.equal(config.serviceName, s.build?.args?.['SERVICE']);
      // Every address it is given is a container it depends on, on a port that container serves.
      const needs = dependsOn(s);
      for (const broker of config.kafka.brokers) {
        assert.ok(advertised.includes(`//${broker}`), `${name}: ${broker} is an advertised Kafka listener`);
      }
      const kurrent = new URL(config.kurrentdb.url ?? '');
      assert.equal(kurrent.hostname, 'kurrentdb');
      assert.ok(services['kurrentdb']!.ports?.some((p) => p.endsWith(`:${kurrent.port}`)));
      assert.equal(needs['kurrentdb'], 'service_healthy');
      const mongo = new URL(config.mongo.url ?? '');
      assert.equal(`${mongo.hostname}:${mongo.port}`, 'mongodb:27017');
      assert.equal(needs['mongodb'], 'service_healthy');
      const collector = new URL(config.otel.exporterEndpoint ?? '');
      assert.equal(collector.hostname, 'otel-collector');
      assert.equal(otel.receivers.otlp.protocols.http.endpoint, `0.0.0.0:${collector.port}`);
      assert.ok(needs['otel-collector'], `${name} starts after the collector`);
      // The hardening of the chart, in compose terms.
      assert.equal(s.read_only, true, `${name}: read-only root`);
      assert.deepEqual(s.cap_drop, ['ALL']);
      for (const dir of ['/tmp', config.dataDir])
        assert.ok(s.tmpfs?.includes(dir), `${name}: ${dir} writable`);
    }
    const clientIds = ringback.map(([, s]) => envOf(s)['KAFKA_CLIENT_ID']);
    assert.equal(new Set(clientIds).size, clientIds.length, 'one Kafka client id per container');
  });

  it('routes the proxy exactly as deploy/routes.json, over both gateways, websockets included', () => {
    const routes = JSON.parse(read('deploy/routes.json')) as {
      default: string;
      routes: { prefix: string; service: string }[];
    };
    const nginx = read('deploy/compose/nginx.conf');
    const locations = [
      ...nginx.matchAll(/location\s+(\S+)\s*\{\s*proxy_pass\s+http:\/\/([\w-]+);\s*\}/g),
    ].map((m) => [m[1], m[2]]);
    assert.deepEqual(locations, [...routes.routes.map((r) => [r.prefix, r.service]), ['/', routes.default]]);
    const upstreams = new Map(
      [...nginx.matchAll(/upstream\s+([\w-]+)\s*\{([^}]*)\}/g)].map((m) => [
        m[1]!,
        [...m[2]!.matchAll(/server\s+([\w.-]+:\d+);/g)].map((s) => s[1]!),
      ]),
    );
    assert.deepEqual(upstreams.get('gateway'), ['gateway-1:3000', 'gateway-2:3000']);
    for (const [upstream, servers] of upstreams) {
      assert.ok(servers.length > 0, upstream);
      for (const server of servers) {
        const { host, port } = hostPort(server);
        assert.ok(services[host], `${upstream}: ${host} is a compose service`);
        assert.equal(loadConfig(envOf(services[host]!)).http.port, port, `${host} listens on ${port}`);
        assert.equal(dependsOn(services['proxy']!)[host], 'service_healthy', `the proxy waits for ${host}`);
      }
    }
    assert.match(nginx, /proxy_set_header Upgrade \$http_upgrade;/);
    assert.match(nginx, /proxy_set_header Connection \$connection_upgrade;/);
    assert.match(nginx, /proxy_read_timeout 3600s;/);
    assert.ok(services['proxy']!.volumes?.includes('./deploy/compose/nginx.conf:/etc/nginx/nginx.conf:ro'));
  });

  it('scrapes every service with Prometheus, loads the recording rules, and provisions Grafana and Jaeger', () => {
    const prom = parse(read('deploy/compose/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.find((c) => c.job_name === 'ringback')!.static_configs[0]!.targets;
    assert.deepEqual(
      targets.sort(),
      ringback.map(([name, s]) => `${name}:${loadConfig(envOf(s)).http.port}`).sort(),
    );
    const promVolumes = services['prometheus']!.volumes ?? [];
    assert.ok(promVolumes.includes('./deploy/prometheus:/etc/prometheus/rules:ro'));
    for (const rule of prom.rule_files) {
      const inRepo = rule.replace('/etc/prometheus/rules/', 'deploy/prometheus/');
      assert.ok(existsSync(path.join(root, inRepo)), `${rule} is ${inRepo}`);
    }
    const grafana = services['grafana']!.volumes ?? [];
    assert.ok(grafana.includes('./deploy/grafana:/var/lib/grafana/dashboards/ringback:ro'));
    const provider = parse(read('deploy/compose/grafana/provisioning/dashboards/ringback.yml')) as {
      providers: { options: { path: string } }[];
    };
    assert.equal(provider.providers[0]!.options.path, '/var/lib/grafana/dashboards/ringback');
    const datasource = parse(read('deploy/compose/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string }[];
    };
    assert.equal(datasource.datasources[0]!.type, 'prometheus');
    assert.equal(new URL(datasource.datasources[0]!.url).hostname, 'prometheus');
    const collector = parse(read('deploy/compose/otel-collector.yaml')) as {
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: { traces: { exporters: string[] } } };
    };
    const exporter = collector.exporters[collector.service.pipelines.traces.exporters[0]!]!;
    assert.equal(hostPort(exporter.endpoint).host, 'jaeger');
    assert.equal(envOf(services['jaeger']!)['COLLECTOR_OTLP_ENABLED'], 'true');
    // Every bind mount's source exists.
    for (const [name, s] of Object.entries(services))
      for (const v of s.volumes ?? [])
        if (v.startsWith('./')) assert.ok(existsSync(path.join(root, v.split(':')[0]!)), `${name}: ${v}`);
  });
});
