import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type FileKind = 'csv' | 'image';

/** An upload's metadata; its bytes live under DATA_DIR/uploads/<id>, never under its name. */
@Entity({ name: 'files' })
@Index('idx_files_unused_created_at', ['usedAt', 'createdAt'])
export class StoredFile {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The name the client gave, kept as metadata only. */
  @Column({ type: 'varchar', length: 255 })
  filename!: string;

  @Column({
    type: 'bigint',
    transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) },
  })
  size!: number;

  @Column({ name: 'content_type', type: 'varchar', length: 100 })
  contentType!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: FileKind;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  /** When a task first referenced it; unreferenced uploads expire after the retention period. */
  @Column({ name: 'used_at', type: Date, nullable: true })
  usedAt!: Date | null;

  /** The project of the key that made it (§7); `default` in open mode. */
  @Column({ type: 'varchar', length: 64, default: 'default' })
  project!: string;
}
