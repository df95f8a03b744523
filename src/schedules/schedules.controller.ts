import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { scopeOf, writeProject } from '../auth/project-scope';
import { IdParamPipe } from '../http/id-param.pipe';
import { JsonBodyGuard } from '../http/json-body.guard';
import { CreateScheduleDto, UpdateScheduleDto } from './schedule.dto';
import { ScheduleNotFoundError } from './schedule-errors';
import { ScheduleResponse, toScheduleResponse } from './schedule.response';
import { SchedulesService } from './schedules.service';

const SCHEDULE_ID = new IdParamPipe(() => new ScheduleNotFoundError());

/** §9: cron schedules of the caller's project; each tick submits one task. */
@ApiTags('schedules')
@Controller('api/schedules')
@Roles('viewer')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Post()
  @HttpCode(201)
  @Roles('operator')
  @Audit('schedule.create')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Create a schedule: a task submitted at every tick of a cron' })
  async create(
    @Body() body: CreateScheduleDto,
    @Caller() caller: Principal,
  ): Promise<ScheduleResponse> {
    return toScheduleResponse(await this.schedules.create(body, writeProject(caller)));
  }

  @Get()
  @ApiOperation({ summary: "The project's schedules, newest first, with their next runs" })
  async list(
    @Caller() caller: Principal,
  ): Promise<{ schedules: ScheduleResponse[]; total: number }> {
    const { schedules, total } = await this.schedules.list(scopeOf(caller));
    return { schedules: schedules.map(toScheduleResponse), total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One schedule, with its next runs and its last firing' })
  async get(
    @Param('id', SCHEDULE_ID) id: string,
    @Caller() caller: Principal,
  ): Promise<ScheduleResponse> {
    return toScheduleResponse(await this.schedules.get(id, scopeOf(caller)));
  }

  @Patch(':id')
  @Roles('operator')
  @Audit('schedule.update')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Change a schedule; enabled: false stops it, true starts it again' })
  async update(
    @Param('id', SCHEDULE_ID) id: string,
    @Body() body: UpdateScheduleDto,
    @Caller() caller: Principal,
  ): Promise<ScheduleResponse> {
    return toScheduleResponse(await this.schedules.update(id, body, scopeOf(caller)));
  }

  @Delete(':id')
  @Roles('operator')
  @Audit('schedule.delete')
  @ApiOperation({ summary: 'Delete a schedule; the tasks it made stay' })
  async remove(
    @Param('id', SCHEDULE_ID) id: string,
    @Caller() caller: Principal,
  ): Promise<ScheduleResponse> {
    return toScheduleResponse(await this.schedules.remove(id, scopeOf(caller)));
  }
}
