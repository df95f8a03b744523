import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An upload id whose object may be in the store without a StoredFile row: one being written,
 * or one being removed. The row goes with the registration (in its transaction) or once the
 * object is gone; a process that dies in between leaves it, and the upload sweep then removes
 * the object, so the store keeps nothing that no row accounts for.
 */
@Entity({ name: 'pending_uploads' })
export class PendingUpload {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: Date })
  since!: Date;
}
