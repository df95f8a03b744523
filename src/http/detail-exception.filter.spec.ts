import { ArgumentsHost, ForbiddenException, Logger, UnauthorizedException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { QueryFailedError } from 'typeorm';
import { DetailExceptionFilter } from './detail-exception.filter';
import { TaskNotFoundError } from '../tasks/task-errors';

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

function answerTo(exception: unknown): Answer {
  const answer: Answer = { status: 0, body: undefined, headers: {} };
  // A Fastify reply, as far as the adapter uses one.
  const response = {
    sent: false,
    header: (name: string, value: string) => (answer.headers[name] = value),
    getHeader: (name: string): string | undefined => answer.headers[name],
    status(code: number) {
      answer.status = code;
      return this;
    },
    send(body: unknown) {
      answer.body = body;
      return this;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) };
  const adapterHost = new HttpAdapterHost();
  adapterHost.httpAdapter = new FastifyAdapter();
  new DetailExceptionFilter(adapterHost).catch(exception, host as unknown as ArgumentsHost);
  return answer;
}

const driverError = (code: string, message: string): Error =>
  Object.assign(new Error(message), { code });

describe('DetailExceptionFilter', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('answers 503 with Retry-After when SQL stays busy past its retries', () => {
    const busy = new QueryFailedError(
      'INSERT',
      [],
      driverError('SQLITE_BUSY', 'database is locked'),
    );
    expect(answerTo(busy)).toEqual({
      status: 503,
      body: { detail: 'The database is busy or unreachable; try again shortly' },
      headers: { 'Retry-After': '1', 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(answerTo(new Error('Connection terminated unexpectedly')).status).toBe(503);
  });

  it('answers 500 without details for any other SQL error or bug', () => {
    const violation = new QueryFailedError('INSERT', [], driverError('23505', 'duplicate key'));
    for (const error of [violation, new TypeError('x is undefined')]) {
      expect(answerTo(error)).toEqual({
        status: 500,
        body: { detail: 'Internal server error' },
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
      });
    }
  });

  it('keeps domain errors as they were', () => {
    expect(answerTo(new TaskNotFoundError())).toMatchObject({
      status: 404,
      body: { detail: 'Task not found' },
    });
  });

  it('names the Bearer scheme in every 401 (RFC 6750), and in no other answer', () => {
    expect(answerTo(new UnauthorizedException('The API key is unknown or revoked'))).toEqual({
      status: 401,
      body: { detail: 'The API key is unknown or revoked' },
      headers: {
        'WWW-Authenticate': 'Bearer realm="conveyor"',
        'Content-Type': 'application/json; charset=utf-8',
      },
    });
    expect(answerTo(new ForbiddenException('no')).headers['WWW-Authenticate']).toBeUndefined();
  });
});
