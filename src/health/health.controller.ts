import { Controller, Get, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/auth.decorators';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthReport, HealthService, ReadinessReport } from './health.service';

@ApiTags('health')
// Orchestrators and load balancers probe it without a key; it shows no task data.
@Public()
// Probes of load balancers and the dashboard must get through a flood of other requests.
@SkipThrottle()
@Controller('api/health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  @ApiOperation({ summary: 'SQL and Redis reachability, and the live workers per queue' })
  async check(@Res({ passthrough: true }) response: unknown): Promise<HealthReport> {
    const report = await this.health.check();
    if (report.status !== 'healthy') this.adapterHost.httpAdapter.status(response, 503);
    return report;
  }

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process answers (no dependency is asked); for orchestrators',
  })
  live(): { status: 'live'; timestamp: string } {
    return { status: 'live', timestamp: new Date().toISOString() };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: SQL, Redis and the file storage reachable; 503 naming what failed',
  })
  async ready(@Res({ passthrough: true }) response: unknown): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    if (report.status !== 'ready') this.adapterHost.httpAdapter.status(response, 503);
    return report;
  }
}
