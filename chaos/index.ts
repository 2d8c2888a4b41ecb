// Public door of chaos/: drills described as files, and the runner (the fault proxy they drive through Toxiproxy's API is proxy/).
export { runDrill } from './drills/runner.ts';
export { preflightDrill } from './drills/environment.ts';
export { loadDrill, listBundledDrills, describeBundledDrills, isDrillFile } from './drills/file/load-drill.ts';
export { drillJsonSchema } from './drills/file/json-schema.ts';
export type { Drill, RunDrillOptions } from './drills/types.ts';
