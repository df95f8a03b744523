import { request as httpRequest } from 'node:http';
import { TEST_DATABASE } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { serviceForSuite } from './utils/suite-service';
import { readTaskRows } from './utils/task-rows';
import { waitFor } from './utils/wait-for';

interface RawAnswer {
  status: number;
  body: string;
}

/** Sends bytes exactly as given (fetch would refuse or fix some of these requests). */
function raw(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

const json = { 'content-type': 'application/json' };
// pino's numeric levels.
const WARN = 40;
const ERROR = 50;
const submit = (
  inputParams: unknown,
  taskType: unknown = 'csv_processing',
): [string, string, Record<string, string>, string] => [
  'POST',
  '/api/tasks/submit',
  json,
  JSON.stringify({ task_type: taskType, input_params: inputParams }),
];

/** Malformed requests of every kind; each must get a 4xx with a {detail} and leave no row. */
const CASES: [string, [string, string, Record<string, string>, (Buffer | string)?]][] = [
  ['broken JSON', ['POST', '/api/tasks/submit', json, '{"task_type": "csv_processing",']],
  ['JSON null', ['POST', '/api/tasks/submit', json, 'null']],
  ['a JSON string', ['POST', '/api/tasks/submit', json, '"csv_processing"']],
  ['a JSON array', ['POST', '/api/tasks/submit', json, '[{"task_type": "csv_processing"}]']],
  ['an empty body', ['POST', '/api/tasks/submit', json, '']],
  [
    'invalid UTF-8',
    ['POST', '/api/tasks/submit', json, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ],
  [
    'a huge body',
    [
      'POST',
      '/api/tasks/submit',
      json,
      JSON.stringify({ task_type: 'csv_processing', input_params: { pad: 'x'.repeat(2_000_000) } }),
    ],
  ],
  [
    'text/plain',
    [
      'POST',
      '/api/tasks/submit',
      { 'content-type': 'text/plain' },
      '{"task_type":"csv_processing"}',
    ],
  ],
  [
    'a form post',
    [
      'POST',
      '/api/tasks/submit',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'task_type=csv_processing',
    ],
  ],
  [
    'an unknown charset',
    ['POST', '/api/tasks/submit', { 'content-type': 'application/json; charset=ebcdic' }, '{}'],
  ],
  ['a wrong type for task_type', submit({}, 42)],
  ['an unknown task type', submit({}, 'rm -rf /')],
  ['odd unicode in task_type', submit({}, 'csv_processing\u202e\u0000')],
  ['a string for a number', submit({ num_rows: '10' })],
  ['a negative number', submit({ num_rows: -5 })],
  ['an enormous number', submit({ num_rows: 1e308 })],
  ['NaN-like text', submit({ processing_time: 'NaN' })],
  ['a float for an integer', submit({ num_rows: 2.5 })],
  ['an unknown parameter', submit({ num_rows: 5, __proto__x: 1 })],
  ['a nested object for a number', submit({ num_rows: { $gt: 1 } })],
  [
    'CR/LF in a subject',
    submit({ num_emails: 1, subject: 'hi\r\nBcc: all@example.com' }, 'email_sending'),
  ],
  [
    'CR/LF in a recipient name',
    submit(
      { recipients: [{ email: 'a@example.com', name: 'A\nBcc: x@y.z' }], subject: 's' },
      'email_sending',
    ),
  ],
  [
    'a bad e-mail address',
    submit({ recipients: ['not an address'], subject: 's' }, 'email_sending'),
  ],
  ['too many images', submit({ num_images: 101 }, 'image_processing')],
  ['a huge image size', submit({ num_images: 1, target_width: 100_000 }, 'image_processing')],
  ['a traversal file id', submit({ file_id: '../../etc/passwd' })],
  ['a non-UUID task id', ['GET', '/api/tasks/..%2F..%2Fetc%2Fpasswd', {}]],
  ['a non-UUID cancel', ['DELETE', "/api/tasks/1'%20OR%20'1'='1", {}]],
  [
    'a retry of an unknown task',
    ['POST', '/api/tasks/00000000-0000-4000-8000-000000000000/retry', {}],
  ],
  ['a negative offset', ['GET', '/api/tasks/?offset=-1', {}]],
  ['an enormous limit', ['GET', '/api/tasks/?limit=99999999999999999999', {}]],
  ['an unknown status filter', ['GET', '/api/tasks/?status=%3Cscript%3E', {}]],
  ['an unknown query field', ['GET', '/api/tasks/?sort=id;DROP%20TABLE%20tasks', {}]],
  [
    'a traversal download',
    ['GET', '/api/tasks/00000000-0000-4000-8000-000000000000/files/..%2F..%2Fconveyor.sqlite', {}],
  ],
  ['an upload without multipart', ['POST', '/api/files', json, '{"file": "x"}']],
  [
    'JSON nested 5,000 deep in input_params',
    [
      'POST',
      '/api/tasks/submit',
      json,
      `{"task_type":"csv_processing","input_params":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    ],
  ],
  // Written out: JSON.stringify of an object literal would set a prototype, not send the key.
  [
    'a __proto__ key in input_params',
    [
      'POST',
      '/api/tasks/submit',
      json,
      '{"task_type":"csv_processing","input_params":{"num_rows":5,"__proto__":{"polluted":true}}}',
    ],
  ],
  [
    'a constructor key in a recipient',
    submit(
      { recipients: [{ email: 'a@example.com', constructor: 'x' }], subject: 's' },
      'email_sending',
    ),
  ],
  ['a prototype key deep in input_params', submit({ num_rows: 5, x: { y: { prototype: {} } } })],
  ['recipients: null', submit({ recipients: null, subject: 's' }, 'email_sending')],
  ['an offset of 1e20', ['GET', '/api/tasks/?offset=1e20', {}]],
  ['a fractional limit', ['GET', '/api/tasks/?limit=2.5', {}]],
];

describe(`bad input on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({ APP_ROLE: 'api' });

  it(`answers each of ${CASES.length} malformed requests with a 4xx and a {detail}, leaving no row`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    const outcomes = [];
    for (const [name, [method, path, headers, body]] of CASES) {
      const answer = await raw(suite.service.url, method, path, headers, body);
      let detail: unknown;
      try {
        detail = (JSON.parse(answer.body) as { detail?: unknown }).detail;
      } catch {
        detail = undefined;
      }
      outcomes.push({
        name,
        status: answer.status,
        hasDetail: detail !== undefined,
        stack: /\n\s+at /.test(answer.body),
      });
    }
    const health = await suite.api.request('GET', '/api/health');
    const rowsLeft = (await readTaskRows(suite.database, suite.service.dataDir)).length;
    const clean = outcomes.filter(
      (outcome) =>
        outcome.status >= 400 && outcome.status < 500 && outcome.hasDetail && !outcome.stack,
    );
    recordFaultRow({
      scenario: `Bad input: ${CASES.length} malformed requests`,
      database: TEST_DATABASE,
      tasks: CASES.length,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes:
        `${clean.length}/${CASES.length} answered 4xx with a {detail} and no stack, ` +
        `${rowsLeft} rows left behind, health ${health.status} after; tasks = requests`,
    });
    for (const outcome of outcomes) {
      expect([outcome.name, outcome.hasDetail, outcome.stack]).toEqual([outcome.name, true, false]);
      expect([outcome.name, outcome.status >= 400 && outcome.status < 500]).toEqual([
        outcome.name,
        true,
      ]);
    }
    // Each refusal is logged as a warning with its status, never as an error with a stack.
    // Bodies the parser refuses never reach the request log: the parser's handler logs them.
    const refusedLines = () =>
      suite.service.process.logs().filter((line) => {
        const status = (line.res as { statusCode?: number } | undefined)?.statusCode ?? 0;
        return (
          (line.msg === 'request completed' && status >= 400 && status < 500) ||
          line.context === 'BodyParser'
        );
      });
    const refused = await waitFor('every refusal to be logged', () => {
      const lines = refusedLines();
      return lines.length >= CASES.length ? lines : undefined;
    });
    expect(refused.map((line) => [line.level, 'err' in line])).toEqual(
      refused.map(() => [WARN, false]),
    );
    expect(suite.service.process.logs().filter((line) => Number(line.level) >= ERROR)).toEqual([]);
    expect(health.status).toBe(200);
    expect(rowsLeft).toBe(0);
    const list = await suite.api.request<{ total: number }>('GET', '/api/tasks/');
    expect(list.body.total).toBe(0);
  });
});
