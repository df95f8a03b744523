import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Role } from '../auth/role';

/** An API key as stored: its SHA-256, never the key itself. */
@Entity({ name: 'api_keys' })
@Index('idx_api_keys_hash', ['keyHash'], { unique: true })
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** A project name, or `*` (admin keys only) for all projects. */
  @Column({ type: 'varchar', length: 64 })
  project!: string;

  /** Hex SHA-256 of the key: enough for random keys of 256 bits, which no one can guess. */
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;
}
