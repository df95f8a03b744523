/**
 * The longest a run may be paced to last (seconds): `processing_time`, and `delay_per_email`
 * times the recipients. Four e-mail tasks of 10,000 recipients paced 60 s apart once held every
 * e-mail slot for about 7 days.
 */
export const MAX_PACED_RUN_SECONDS = 600;
