/** Loads and checks the bundled catalog; a broken entry fails loudly, naming the field, instead of misleading a fit estimate. */
import catalogJson from '../../../models/catalog.json';
import { describeIssues } from '../../engine/protocol';
import { ModelError } from '../errors';
import { CatalogSchema, type Catalog, type CatalogEntry } from './schema';

export function parseCatalog(json: unknown, where = 'models/catalog.json'): Catalog {
  const result = CatalogSchema.safeParse(json);
  if (!result.success) {
    throw new ModelError('CATALOG_INVALID', describeIssues(where, result.error), 'The catalog ships with the app: reinstall, or fix the field named above.');
  }
  return result.data;
}

let bundled: Catalog | undefined;

export function bundledCatalog(): Catalog {
  bundled ??= parseCatalog(catalogJson);
  return bundled;
}

export const findEntry = (catalog: Catalog, id: string): CatalogEntry | undefined =>
  catalog.models.find((m) => m.id.toLowerCase() === id.toLowerCase());

export const defaultEntry = (catalog: Catalog): CatalogEntry => catalog.models.find((m) => m.default) ?? catalog.models[0];
