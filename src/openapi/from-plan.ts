// Placeholder signature; the openapi work replaces this file.
import type { NormalizedPlan, NormalizedService } from '../plan/normalize.js';
export function specFromPlan(_plan: NormalizedPlan, _service: NormalizedService): string {
  throw new Error('specFromPlan: being written');
}
