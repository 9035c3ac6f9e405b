// Placeholder signature; the openapi work replaces this file.
import type { NormalizedService } from '../plan/normalize.js';
import type { ServiceApi } from './model.js';
export function readServiceApi(_text: string, _file: string, _service: NormalizedService): ServiceApi {
  throw new Error('readServiceApi: being written');
}
