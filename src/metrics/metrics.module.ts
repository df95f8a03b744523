import { DynamicModule, Module } from '@nestjs/common';
import { WorkersModule } from '../workers/workers.module';
import { ConveyorMetrics } from './conveyor-metrics.service';
import { MetricsController } from './metrics.controller';
import { MetricsPublisher } from './metrics-publisher.service';
import { MetricsService } from './metrics.service';

/** Every role measures itself and publishes; API instances also serve GET /api/metrics. */
@Module({})
export class MetricsModule {
  static forRoot({ http }: { http: boolean }): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      imports: http ? [WorkersModule] : [],
      controllers: http ? [MetricsController] : [],
      providers: [ConveyorMetrics, MetricsPublisher, ...(http ? [MetricsService] : [])],
      exports: [ConveyorMetrics],
    };
  }
}
