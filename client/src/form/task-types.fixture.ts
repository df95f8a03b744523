import type { TaskTypes } from '../api/types';

/** GET /api/task-types as the API answers it, for specs that build forms. */
export const SERVED_TASK_TYPES: TaskTypes = {
  csv_processing: {
    defaults: { num_rows: 1000, has_header: true, processing_time: 0 },
    choices: {},
  },
  email_sending: {
    defaults: {
      num_emails: 10,
      subject: 'Test Email',
      body: 'This is a test email sent by Conveyor.',
      delay_per_email: 0,
    },
    choices: {},
  },
  image_processing: {
    defaults: {
      num_images: 5,
      target_width: 800,
      target_height: 600,
      fit: 'cover',
      format: 'jpeg',
      quality: 80,
    },
    choices: {
      fit: ['cover', 'contain', 'fill', 'inside', 'outside'],
      format: ['jpeg', 'png', 'webp', 'avif'],
    },
  },
};
