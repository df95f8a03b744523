/** One sample of the Prometheus text format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromText {
  /** Family name → its TYPE. */
  types: Map<string, string>;
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', ''];

/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every line a comment of
 * HELP or TYPE, or a sample of a family declared before it, each family declared once and its
 * samples together. Throws on the first line that is not so.
 */
export function parsePrometheusText(text: string): PromText {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  const closed = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1} ${why}: ${line}`);
    };
    // The format ignores empty lines; prom-client ends each family with one.
    if (line.trim() === '' || line.startsWith('# HELP ')) continue;
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(
      line,
    );
    if (type) {
      if (types.has(type[1])) fail('declares a family twice');
      if (current) closed.add(current);
      current = type[1];
      types.set(type[1], type[2]);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) fail('is not a sample');
    const [, name, labelText = '', valueText] = match!;
    const family = SUFFIXES.map((suffix) =>
      suffix && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name,
    ).find((candidate) => types.has(candidate));
    if (!family) fail('has no TYPE before it');
    if (family !== current || closed.has(family!)) fail('is apart from its family');
    const labels: Record<string, string> = {};
    for (let rest = labelText; rest.length > 0;) {
      const label = LABEL.exec(rest);
      if (!label) fail('has malformed labels');
      labels[label![1]] = label![2].replace(/\\(.)/g, (_all, char: string) =>
        char === 'n' ? '\n' : char,
      );
      rest = rest.slice(label![0].length);
    }
    const value =
      valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') fail('has a value that is not a number');
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

/** The sum of the samples named `name` whose labels include `labels`. */
export function sumOf(text: PromText, name: string, labels: Record<string, string> = {}): number {
  return text.samples
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((total, sample) => total + sample.value, 0);
}
