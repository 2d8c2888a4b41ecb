// The executors' schemas live with their definitions (scenarios/executors/definitions/), gathered by the registry.
export { durationSchema, stageSchema, type DurationInput, type Stage } from './duration.ts';
export {
  executorNames,
  executorSchema,
  isOpenModel,
  type ExecutorConfig,
  type ExecutorName,
} from '../executors/registry.ts';
