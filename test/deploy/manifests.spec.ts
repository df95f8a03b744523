import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Env, validateEnv } from '../../src/config/env';
import { appGetRoutes } from './app-routes';
import { schemaProblems } from './kubernetes-schemas';
import { Manifest, parseEnvFile, renderKustomization } from './kustomize';

const DEPLOY = join(__dirname, '..', '..', 'deploy');
const OVERLAY = join(DEPLOY, 'overlays', 'example');
/** The overlay's secrets.env is never committed: its example stands in for it. */
const SUBSTITUTES = {
  [join(OVERLAY, 'secrets.env')]: join(OVERLAY, 'secrets.env.example'),
};

/** How long a process that has not closed after SHUTDOWN_GRACE_MS still gets (src/main.ts). */
const LAST_RESORT_MS = 15_000;

/** Read by the tracing preload before the settings are validated (src/telemetry/preload.ts). */
const OUTSIDE_ENV = new Set(['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME']);
/** Fault injection for the reliability tests: never in a deployment. */
const TEST_ONLY = new Set(['CONVEYOR_TEST_FAULT']);

/** Settings that are, or may carry, credentials: they belong in the Secret. */
const isSecretSetting = (name: string): boolean =>
  /PASSWORD|USERNAME|SECRET|TOKEN|API_KEY|ACCESS_KEY/.test(name) ||
  ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL'].includes(name);

/** Every variable Conveyor validates: the decorated properties of Env. */
const SETTINGS = new Set(
  getMetadataStorage()
    .getTargetValidationMetadatas(Env, '', true, false)
    .map((metadata) => metadata.propertyName),
);

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
}
interface Deployment extends Manifest {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

/** Bytes in a Kubernetes quantity such as 512Mi or 3Gi. */
function bytesOf(quantity: string | undefined): number {
  const match = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(quantity ?? '');
  if (!match) throw new Error(`not a quantity in bytes: ${quantity}`);
  const power = ['', 'Ki', 'Mi', 'Gi', 'Ti'].indexOf(match[2] ?? '');
  return Number(match[1]) * 1024 ** power;
}

const ofKind = <T extends Manifest>(manifests: Manifest[], kind: string): T[] =>
  manifests.filter((manifest) => manifest.kind === kind) as T[];
const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The environment a container starts with: its ConfigMaps and Secrets, then its own env. */
function containerEnv(manifests: Manifest[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const found = manifests.find((m) => m.kind === kind && m.metadata.name === ref?.name);
    if (!found) throw new Error(`${container.name}: ${kind} ${ref?.name} is not in the manifests`);
    const data = found.data as Record<string, string>;
    for (const [key, value] of Object.entries(data))
      env[key] = kind === 'Secret' ? Buffer.from(value, 'base64').toString() : value;
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
  return env;
}

describe('deploy/: Kubernetes manifests', () => {
  const manifests = renderKustomization(OVERLAY, { substitutes: SUBSTITUTES });
  const deployments = ofKind<Deployment>(manifests, 'Deployment');
  const byName = (name: string): Deployment => {
    const found = deployments.find((deployment) => deployment.metadata.name === name);
    if (!found) throw new Error(`Deployment ${name} is missing`);
    return found;
  };
  const api = byName('conveyor-api');
  const worker = byName('conveyor-worker');
  const podOf = (deployment: Deployment): PodSpec => deployment.spec.template.spec;
  const mainContainer = (deployment: Deployment): Container => podOf(deployment).containers[0];

  it('renders the overlay into the objects an installation needs', () => {
    const kinds = manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(kinds).toEqual([
      'ConfigMap/conveyor-config',
      'Deployment/conveyor-api',
      'Deployment/conveyor-worker',
      'Namespace/conveyor',
      'PodDisruptionBudget/conveyor-api',
      'PodDisruptionBudget/conveyor-worker',
      'ScaledObject/conveyor-worker',
      'Secret/conveyor-secrets',
      'Service/conveyor-api',
      'ServiceAccount/conveyor',
    ]);
    expect(
      manifests.filter((m) => m.kind !== 'Namespace').map((m) => m.metadata.namespace),
    ).toEqual(manifests.filter((m) => m.kind !== 'Namespace').map(() => 'conveyor'));
  });

  it('passes the Kubernetes and KEDA schemas, with no field they do not know', () => {
    expect(manifests.flatMap(schemaProblems)).toEqual([]);
    // The base alone too (without its Secret, which an overlay makes).
    expect(renderKustomization(join(DEPLOY, 'base')).flatMap(schemaProblems)).toEqual([]);
  });

  it('has a schema check that catches a misspelt field and a wrong type', () => {
    const copy = JSON.parse(JSON.stringify(api)) as Deployment;
    const container = mainContainer(copy) as unknown as Record<string, unknown>;
    container.readinesProbe = container.readinessProbe;
    (container.ports as { containerPort: unknown }[])[0].containerPort = 'http';
    expect(schemaProblems(copy).join('\n')).toMatch(/containerPort must be integer/);
    delete container.ports;
    expect(schemaProblems(copy)).toEqual([
      'Deployment conveyor-api: unknown field /spec/template/spec/containers/0/readinesProbe',
    ]);
  });

  it("selects each Deployment's own pods, from its Service, PodDisruptionBudget and scaler", () => {
    for (const deployment of deployments) {
      expect(
        selects(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      ).toBe(true);
      const others = deployments.filter((other) => other !== deployment);
      expect(
        others.some((other) =>
          selects(deployment.spec.selector.matchLabels, other.spec.template.metadata.labels),
        ),
      ).toBe(false);
    }
    const selected = (selector: Record<string, string>): string[] =>
      deployments
        .filter((d) => selects(selector, d.spec.template.metadata.labels))
        .map((d) => d.metadata.name);
    const services = ofKind<
      Manifest & {
        spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] };
      }
    >(manifests, 'Service');
    expect(services.map((service) => selected(service.spec.selector))).toEqual([['conveyor-api']]);
    for (const port of services[0].spec.ports)
      expect(mainContainer(api).ports?.map((p) => p.name)).toContain(port.targetPort);

    const budgets = ofKind<
      Manifest & { spec: { selector: { matchLabels: Record<string, string> } } }
    >(manifests, 'PodDisruptionBudget');
    expect(budgets.map((budget) => selected(budget.spec.selector.matchLabels)).sort()).toEqual([
      ['conveyor-api'],
      ['conveyor-worker'],
    ]);
    const [scaler] = ofKind<
      Manifest & { spec: { scaleTargetRef: { kind?: string; name: string } } }
    >(manifests, 'ScaledObject');
    expect(scaler.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: 'conveyor-worker',
    });
    // KEDA owns the worker count: a replicas field would be reset by every apply.
    expect(worker.spec).not.toHaveProperty('replicas');
  });

  it('scales the workers on the queue depth that GET /api/metrics exports', () => {
    const [scaler] = ofKind<
      Manifest & { spec: { triggers: { type: string; metadata: Record<string, string> }[] } }
    >(manifests, 'ScaledObject');
    expect(scaler.spec.triggers).toHaveLength(1);
    const [trigger] = scaler.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toMatch(/\bconveyor_queue_waiting\b/);
    expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
    // The metric names the query reads are the ones the app defines.
    const metricsSource = readFileSync(
      join(__dirname, '..', '..', 'src', 'metrics', 'fleet-gauges.ts'),
      'utf8',
    );
    for (const name of trigger.metadata.query.match(/\bconveyor_[a-z_]+/g) ?? [])
      expect(metricsSource).toContain(`'${name}'`);
  });

  it('probes the API on routes the app serves, on its named port', () => {
    const routes = appGetRoutes();
    const container = mainContainer(api);
    expect(container.readinessProbe?.httpGet?.path).toBe('/api/health/ready');
    expect(container.livenessProbe?.httpGet?.path).toBe('/api/health/live');
    for (const probe of [
      container.readinessProbe,
      container.livenessProbe,
      container.startupProbe,
    ]) {
      expect(routes).toContain(probe?.httpGet?.path);
      expect(container.ports?.map((port) => port.name)).toContain(probe?.httpGet?.port);
    }
  });

  it('configures every setting the app validates, secrets in the Secret, nothing it ignores', () => {
    const [configMap] = ofKind<Manifest & { data: Record<string, string> }>(manifests, 'ConfigMap');
    const [secret] = ofKind<Manifest & { data: Record<string, string> }>(manifests, 'Secret');
    const configured = [
      ...Object.keys(configMap.data),
      ...Object.keys(secret.data),
      ...deployments.flatMap((d) => (mainContainer(d).env ?? []).map((variable) => variable.name)),
    ];
    const unknown = configured.filter((name) => !SETTINGS.has(name) && !OUTSIDE_ENV.has(name));
    expect(unknown).toEqual([]);
    const missing = [...SETTINGS].filter(
      (name) => !TEST_ONLY.has(name) && !configured.includes(name),
    );
    expect(missing).toEqual([]);
    expect(Object.keys(configMap.data).filter(isSecretSetting)).toEqual([]);
    expect(Object.keys(secret.data).filter((name) => !isSecretSetting(name))).toEqual([]);
    // The Secret is read from secrets.env, which the example documents key by key.
    expect(Object.keys(parseEnvFile(join(OVERLAY, 'secrets.env.example'))).sort()).toEqual(
      Object.keys(secret.data).sort(),
    );
  });

  it.each(['conveyor-api', 'conveyor-worker'])(
    '%s starts with settings the app accepts, shared state outside the pod',
    (name) => {
      const deployment = byName(name);
      const container = mainContainer(deployment);
      const env = validateEnv(containerEnv(manifests, container));
      expect(env.APP_ROLE).toBe(name === 'conveyor-api' ? 'api' : 'worker');
      // Nothing a second pod must see stays in this one: SQL, Redis and files are elsewhere.
      expect(env.DATABASE_URL).toMatch(/^postgres/);
      expect(env.STORAGE_URL).toMatch(/^s3:\/\//);
      expect(env.REDIS_URL ?? env.REDIS_CLUSTER_NODES ?? env.REDIS_SENTINELS).toBeDefined();
      expect(env.AUTH_MODE).toBe('keys');
      if (name === 'conveyor-api')
        expect(container.ports?.map((port) => port.containerPort)).toEqual([env.PORT]);
      else expect(container.ports ?? []).toEqual([]);

      // Stopped within its grace period: the drain, the last resort after it, and the preStop.
      const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command[1] ?? 0);
      expect((podOf(deployment).terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(
        env.SHUTDOWN_GRACE_MS + LAST_RESORT_MS + preStopSeconds * 1000,
      );
      // Read-only image: DATA_DIR and /tmp are the writable volumes of the pod.
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      const writable = new Set(
        (podOf(deployment).volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name),
      );
      const mounted = (container.volumeMounts ?? [])
        .filter((m) => writable.has(m.name))
        .map((m) => m.mountPath);
      expect(mounted.sort()).toEqual([env.DATA_DIR, '/tmp'].sort());
      if (name === 'conveyor-worker') {
        // Image tasks work on local copies in /tmp: the largest image, its output and its
        // thumbnail, for as many tasks as run at once, must fit there.
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
        const volume = podOf(deployment).volumes?.find((v) => v.name === tmp?.name);
        expect(bytesOf(volume?.emptyDir?.sizeLimit)).toBeGreaterThan(
          3 * env.UPLOAD_MAX_IMAGE_BYTES * env.IMAGE_CONCURRENCY,
        );
      }
    },
  );

  it.each(['conveyor-api', 'conveyor-worker'])(
    '%s runs unprivileged with bounded resources',
    (name) => {
      const deployment = byName(name);
      const pod = podOf(deployment);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(
        manifests.some(
          (m) => m.kind === 'ServiceAccount' && m.metadata.name === pod.serviceAccountName,
        ),
      ).toBe(true);
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources?.requests?.cpu).toMatch(/^\d+m?$/);
        expect(container.resources?.requests?.memory).toMatch(/^\d+[MG]i$/);
        expect(container.resources?.limits?.memory).toMatch(/^\d+[MG]i$/);
        expect(container.image).toBe('registry.example.com/conveyor:0.1.0');
      }
    },
  );

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  // kubectl is not installed everywhere; where it is, it checks the renderer above.
  (kubectl ? it : it.skip)('renders as kubectl kustomize does (where kubectl is installed)', () => {
    const copy = mkdtempSync(join(tmpdir(), 'conveyor-deploy-'));
    try {
      cpSync(DEPLOY, copy, { recursive: true });
      cpSync(
        SUBSTITUTES[join(OVERLAY, 'secrets.env')],
        join(copy, 'overlays', 'example', 'secrets.env'),
      );
      const rendered = spawnSync('kubectl', ['kustomize', join(copy, 'overlays', 'example')], {
        encoding: 'utf8',
      });
      expect(rendered.stderr).toBe('');
      // Generated names carry a content hash there; references to them too.
      const unhashed = rendered.stdout.replace(
        /\b(conveyor-(?:config|secrets))-[a-z0-9]{10}\b/g,
        '$1',
      );
      const theirs = parseAllDocuments(unhashed).map((document) => document.toJS() as Manifest);
      // kubectl wraps long base64 values over lines.
      for (const manifest of ofKind<Manifest & { data: Record<string, string> }>(theirs, 'Secret'))
        for (const key of Object.keys(manifest.data))
          manifest.data[key] = manifest.data[key].replace(/\s/g, '');
      const key = (m: Manifest): string => `${m.kind}/${m.metadata.name}`;
      const sorted = (list: Manifest[]): Manifest[] =>
        [...list].sort((a, b) => key(a).localeCompare(key(b)));
      expect(sorted(manifests)).toEqual(sorted(theirs));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
