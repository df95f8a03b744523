import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module';
import { ScheduleTicker } from './schedule-ticker.service';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

/** §9 schedules, in API processes (APP_ROLE api or all), which also run the ticker. */
@Module({
  imports: [TasksModule],
  controllers: [SchedulesController],
  providers: [SchedulesService, ScheduleTicker],
})
export class SchedulesModule {}
