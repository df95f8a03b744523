import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { waitFor } from '../../test/utils/wait-for';
import { DomainError } from '../http/domain-error';
import { FileTooLargeError } from './file-errors';
import { IncomingFile, receiveUpload, UploadSink } from './multipart-upload';
import { StoredUpload } from './upload-storage';

/** Keeps each file in memory; refuses one past `maxFileBytes` as the real store does. */
class MemorySink implements UploadSink {
  readonly kept = new Map<string, Buffer>();
  started = 0;
  private next = 0;

  constructor(readonly maxFileBytes: number) {}

  async store(file: IncomingFile): Promise<StoredUpload> {
    this.started++;
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of file.stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > this.maxFileBytes) {
        file.stream.resume();
        throw new FileTooLargeError('csv', this.maxFileBytes);
      }
      chunks.push(chunk);
    }
    const id = `upload-${++this.next}`;
    this.kept.set(id, Buffer.concat(chunks));
    return { id, size: bytes, sha256: '', kind: 'csv', contentType: 'text/csv' };
  }

  async discard(upload: StoredUpload): Promise<void> {
    this.kept.delete(upload.id);
  }
}

describe('receiveUpload', () => {
  let server: Server;
  let url: string;
  let sink: MemorySink;
  let outcomes: string[];

  beforeAll(async () => {
    server = createServer((request, response) => {
      receiveUpload(request, sink).then(
        (upload) => response.end(JSON.stringify({ upload })),
        (error: Error) => {
          outcomes.push(error.message);
          response.end(
            JSON.stringify({
              status: error instanceof DomainError ? error.status : 500,
              message: error.message,
            }),
          );
        },
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  beforeEach(() => {
    sink = new MemorySink(100);
    outcomes = [];
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = async (
    body: FormData | string,
    headers: Record<string, string> = {},
  ): Promise<{
    upload?: StoredUpload & { originalname: string };
    status?: number;
    message?: string;
  }> =>
    (await fetch(url, { method: 'POST', body, headers })).json() as Promise<{
      upload?: StoredUpload & { originalname: string };
      status?: number;
      message?: string;
    }>;

  const form = (...parts: [string, string, string?][]): FormData => {
    const data = new FormData();
    for (const [field, content, filename] of parts) {
      if (filename === undefined) data.append(field, content);
      else data.append(field, new Blob([content]), filename);
    }
    return data;
  };

  it('hands the one file in "file" to the sink, with the base of the name the client gave', async () => {
    const answer = await post(form(['file', 'a,b\n1,2\n', '../data.csv']));
    expect(answer.upload).toMatchObject({ id: 'upload-1', size: 8, originalname: 'data.csv' });
    expect(sink.kept.get('upload-1')?.toString()).toBe('a,b\n1,2\n');
  });

  it('answers null for a form without a file', async () => {
    const answer = await post(new FormData());
    expect(answer).toEqual({ upload: null });
  });

  it.each([
    [
      'a file in another field',
      form(['upload', 'a,b\n', 'x.csv']),
      /field "upload"; send it in the field "file"/,
    ],
    ['a text field', form(['note', 'hello']), /Unexpected field "note"/],
    [
      'a text field after the file',
      form(['file', 'a,b\n', 'x.csv'], ['note', 'hello']),
      /Unexpected field "note"/,
    ],
    [
      'two files',
      form(['file', 'a,b\n', 'x.csv'], ['file', 'c,d\n', 'y.csv']),
      /one file per upload/,
    ],
  ])('refuses %s with 400 and keeps nothing', async (_case, body, message) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.message).toMatch(message);
    expect(sink.kept.size).toBe(0);
  });

  it('refuses a body that is not multipart with 415', async () => {
    const answer = await post('{"file": "x"}', { 'content-type': 'application/json' });
    expect([answer.status, answer.message]).toEqual([
      415,
      'Unsupported content type \'application/json\'; send multipart/form-data with the file in the field "file"',
    ]);
  });

  it('refuses multipart without a boundary, or with a broken one, with 400', async () => {
    const noBoundary = await post('--x\r\n', { 'content-type': 'multipart/form-data' });
    expect(noBoundary.status).toBe(400);
    const broken = await post(
      '--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
      {
        'content-type': 'multipart/form-data; boundary=x',
      },
    );
    expect(broken.status).toBe(400);
    expect(broken.message).toMatch(/^The multipart body is malformed \(.+\)$/);
    expect(sink.kept.size).toBe(0);
  });

  it("answers with the sink's own refusal, and the connection still carries the answer", async () => {
    const answer = await post(form(['file', 'x'.repeat(50_000), 'big.csv']));
    expect(answer.status).toBe(413);
    expect(answer.message).toContain('the 100 bytes limit');
    expect(sink.kept.size).toBe(0);
  });

  it('rejects, keeping nothing, when the connection closes mid-file', async () => {
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    socket.write(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XX\r\n' +
        'Content-Length: 100000\r\n\r\n--XX\r\nContent-Disposition: form-data; name="file"; ' +
        'filename="a.csv"\r\n\r\na,b\n',
    );
    // The file has reached the sink before the client goes away.
    await waitFor('the file to reach the sink', () => sink.started > 0, { timeoutMs: 5_000 });
    socket.destroy();
    await waitFor('the upload to be refused', () => outcomes.length > 0, { timeoutMs: 5_000 });
    expect(outcomes).toEqual(['The connection closed before the upload was complete']);
    expect(sink.kept.size).toBe(0);
  });
});
