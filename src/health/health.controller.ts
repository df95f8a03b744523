import { Controller, Get, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/auth.decorators';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthReport, HealthService } from './health.service';

@ApiTags('health')
// Orchestrators and load balancers probe it without a key; it shows no task data.
@Public()
// Probes of load balancers and the dashboard must get through a flood of other requests.
@SkipThrottle()
@Controller('api/health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'SQL and Redis reachability, and the live workers per queue' })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const report = await this.health.check();
    if (report.status !== 'healthy') response.status(503);
    return report;
  }
}
