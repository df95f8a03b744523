import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from YAML; the rest of its fields are checked by their schema. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Generator {
  name: string;
  behavior?: 'create' | 'merge' | 'replace';
  envs?: string[];
  literals?: string[];
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  components?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: Generator[];
  secretGenerator?: Generator[];
  replicas?: { name: string; count: number }[];
}

/** The fields of a kustomization.yaml that renderKustomization carries out. */
const UNDERSTOOD = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'components',
  'images',
  'configMapGenerator',
  'secretGenerator',
  'replicas',
]);

/** Kinds that belong to no namespace. */
const CLUSTER_SCOPED = new Set(['Namespace']);

export interface RenderOptions {
  /**
   * Files a kustomization names that are not committed (secrets.env), keyed by their path
   * relative to the repository, with the file to read in their place.
   */
  substitutes?: Record<string, string>;
}

/**
 * Renders a kustomization as `kubectl kustomize` does, for the fields deploy/ uses, so that the
 * manifests can be checked where kubectl is not installed. Generated names keep no hash suffix.
 * A field it does not know fails the render rather than being left out of the checks.
 */
export function renderKustomization(dir: string, options: RenderOptions = {}): Manifest[] {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = readYaml(file)[0] as Kustomization;
  const unknown = Object.keys(kustomization).filter((field) => !UNDERSTOOD.has(field));
  if (unknown.length > 0)
    throw new Error(`${file}: renderKustomization does not carry out ${unknown.join(', ')}`);

  const manifests: Manifest[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = resolve(dir, resource);
    manifests.push(
      ...(statSync(path).isDirectory()
        ? renderKustomization(path, options)
        : (readYaml(path) as Manifest[])),
    );
  }
  for (const component of kustomization.components ?? []) {
    manifests.push(...renderKustomization(resolve(dir, component), options));
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    generate(manifests, generator, 'ConfigMap', readGenerated(dir, generator, options), (data) => ({
      data,
    }));
  }
  for (const generator of kustomization.secretGenerator ?? []) {
    generate(manifests, generator, 'Secret', readGenerated(dir, generator, options), (data) => ({
      type: 'Opaque',
      data: Object.fromEntries(
        Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      ),
    }));
  }
  for (const manifest of manifests) {
    if (kustomization.namespace && !CLUSTER_SCOPED.has(manifest.kind))
      manifest.metadata.namespace = kustomization.namespace;
    for (const image of kustomization.images ?? []) setImage(manifest, image);
    for (const replicas of kustomization.replicas ?? []) {
      if (manifest.kind === 'Deployment' && manifest.metadata.name === replicas.name)
        (manifest.spec as Record<string, unknown>).replicas = replicas.count;
    }
  }
  return manifests;
}

function readYaml(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0].message}`);
      return document.toJS() as unknown;
    })
    .filter((value) => value !== null);
}

/** KEY=value lines as kustomize reads an env file: `#` starts a comment line, no quoting. */
export function parseEnvFile(path: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [index, line] of readFileSync(path, 'utf8').split('\n').entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`${path}:${index + 1}: not KEY=value: ${line}`);
    entries[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return entries;
}

function readGenerated(
  dir: string,
  generator: Generator,
  { substitutes = {} }: RenderOptions,
): Record<string, string> {
  const data: Record<string, string> = {};
  for (const env of generator.envs ?? []) {
    const path = resolve(dir, env);
    const substitute = Object.entries(substitutes).find(([name]) => resolve(name) === path)?.[1];
    if (!substitute && !existsSync(path)) throw new Error(`${path} is missing`);
    Object.assign(data, parseEnvFile(substitute ?? path));
  }
  for (const literal of generator.literals ?? []) {
    const equals = literal.indexOf('=');
    data[literal.slice(0, equals)] = literal.slice(equals + 1);
  }
  return data;
}

function generate(
  manifests: Manifest[],
  generator: Generator,
  kind: 'ConfigMap' | 'Secret',
  data: Record<string, string>,
  body: (data: Record<string, string>) => Record<string, unknown>,
): void {
  const existing = manifests.find((m) => m.kind === kind && m.metadata.name === generator.name);
  if (generator.behavior === 'merge' || generator.behavior === 'replace') {
    if (!existing) throw new Error(`${kind} ${generator.name} to ${generator.behavior} is missing`);
    if (kind === 'Secret') throw new Error(`Secret ${generator.name}: only created, not merged`);
    const previous = existing.data as Record<string, string>;
    Object.assign(existing, body(generator.behavior === 'merge' ? { ...previous, ...data } : data));
    return;
  }
  if (existing) throw new Error(`${kind} ${generator.name} is generated twice`);
  manifests.push({ apiVersion: 'v1', kind, metadata: { name: generator.name }, ...body(data) });
}

function setImage(manifest: Manifest, image: NonNullable<Kustomization['images']>[number]): void {
  const spec = manifest.spec as { template?: { spec?: { containers?: { image?: string }[] } } };
  for (const container of spec?.template?.spec?.containers ?? []) {
    const [name, tag] = (container.image ?? '').split(':');
    if (name !== image.name) continue;
    container.image = `${image.newName ?? name}:${image.newTag ?? tag ?? 'latest'}`;
  }
}
