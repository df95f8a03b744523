import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { Role, ROLES } from '../auth/role';
import { ALL_PROJECTS, PROJECT_NAME } from '../core/project';

export class CreateKeyDto {
  /** Who or what uses the key, e.g. "ci" or "billing-service"; shown in the audit log. */
  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: 'name must be 1 to 100 characters' })
  @MaxLength(100, { message: 'name must be 1 to 100 characters' })
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'name must not hold control characters' })
  name!: string;

  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role!: Role;

  /** A project name, or "*" (admin keys only) for every project. */
  @IsString({ message: 'project must be a string' })
  @Matches(new RegExp(`${PROJECT_NAME.source}|^\\${ALL_PROJECTS}$`), {
    message:
      'project must be 1-63 characters of a-z, 0-9, _ and - (starting with a letter or digit), or * for an admin key of all projects',
  })
  project!: string;
}
