import { Controller, ForbiddenException, Get, Header, Req } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { register } from 'prom-client';
import { Public } from '../auth/auth.decorators';
import { keyFromHeaders } from '../auth/credentials';
import { AuthenticatedRequest } from '../auth/principal';
import { RequestAuthenticator } from '../auth/request-authenticator.service';
import { AppConfig } from '../config/app-config';
import { isMetricsToken, mayReadMetrics } from './metrics-access';
import { MetricsService } from './metrics.service';

@ApiTags('metrics')
@Controller('api/metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly authenticator: RequestAuthenticator,
    private readonly config: AppConfig,
  ) {}

  /**
   * Prometheus text for the whole fleet. Public to the AuthGuard because METRICS_TOKEN is not an
   * API key; the caller is checked here: the token as a bearer, or a key of every project.
   */
  @Get()
  @Public()
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Prometheus metrics of every process (METRICS_TOKEN, or a key of project *)',
  })
  async scrape(@Req() request: AuthenticatedRequest): Promise<string> {
    if (!isMetricsToken(keyFromHeaders(request.headers), this.config.metricsToken)) {
      request.principal = await this.authenticator.authenticate(request);
      if (!mayReadMetrics(request.principal)) {
        throw new ForbiddenException(
          `The metrics cover every project: they need METRICS_TOKEN or a key of project *; the key "${request.principal.name}" is of project ${request.principal.project}`,
        );
      }
    }
    return this.metrics.text();
  }
}
