import { ObjectLiteral, Repository } from 'typeorm';

/** The names of hand-written statements, taken from the entities and quoted for the driver. */

/** The table of `repository`'s entity, schema-qualified where it has one. */
export function escapedTable<T extends ObjectLiteral>(repository: Repository<T>): string {
  const driver = repository.manager.connection.driver;
  return repository.metadata.tablePath
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');
}

/** The column that holds `property` of `repository`'s entity. */
export function escapedColumn<T extends ObjectLiteral>(
  repository: Repository<T>,
  property: keyof T & string,
): string {
  const column = repository.metadata.findColumnWithPropertyName(property);
  if (!column) throw new Error(`${repository.metadata.name} has no column for ${property}`);
  return repository.manager.connection.driver.escape(column.databaseName);
}
