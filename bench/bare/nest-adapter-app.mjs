// A minimal Nest application with the service's request pipeline (strict ValidationPipe on a
// class-validator DTO, JSON in and out) on the HTTP adapter named by ADAPTER (express or
// fastify), and no SQL or Redis: what the adapter alone costs per request.
import 'reflect-metadata';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  Param,
  Post,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsIn, IsObject, IsOptional } from 'class-validator';
import { randomUUID } from 'node:crypto';

// Plain JavaScript has no decorator syntax: the decorators are applied as the compiler would.
const decorate = (decorators, target, key) =>
  Reflect.decorate(decorators, target, key, key && Object.getOwnPropertyDescriptor(target, key));

class SubmitDto {}
decorate(
  [IsIn(['csv_processing', 'email_sending', 'image_processing'])],
  SubmitDto.prototype,
  'task_type',
);
decorate([IsOptional(), IsObject()], SubmitDto.prototype, 'input_params');

const taskOf = (id, body) => ({
  id,
  task_type: body.task_type,
  status: 'PENDING',
  created_at: new Date().toISOString(),
  started_at: null,
  completed_at: null,
  progress: 0,
  input_params: body.input_params ?? {},
  result_data: null,
  error_message: null,
  attempts: 0,
  retry_of: null,
});

class TasksController {
  submit(body) {
    return taskOf(randomUUID(), body);
  }
  get(id) {
    return taskOf(id, { task_type: 'csv_processing', input_params: { num_rows: 10 } });
  }
}
decorate([Post('submit'), HttpCode(200)], TasksController.prototype, 'submit');
Body()(TasksController.prototype, 'submit', 0);
Reflect.defineMetadata('design:paramtypes', [SubmitDto], TasksController.prototype, 'submit');
decorate([Get(':id')], TasksController.prototype, 'get');
Param('id')(TasksController.prototype, 'get', 0);
Reflect.defineMetadata('design:paramtypes', [String], TasksController.prototype, 'get');
decorate([Controller('api/tasks')], TasksController);

class AppModule {}
decorate([Module({ controllers: [TasksController] })], AppModule);

const adapter =
  process.env.ADAPTER === 'fastify'
    ? new (await import('@nestjs/platform-fastify')).FastifyAdapter()
    : undefined;
const app = await NestFactory.create(AppModule, adapter, { logger: false });
app.useGlobalPipes(
  new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }),
);
await app.listen(Number(process.env.PORT), '127.0.0.1');
console.log('ready');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
