// Public door of chaos/: the drills (the fault proxy they drive through Toxiproxy's API is proxy/).
export { runDrill, listDrills, UnknownDrillError } from './drills/runner.ts';
export { drills } from './drills/catalog.ts';
export type { RunDrillOptions, Profile as DrillProfile } from './drills/types.ts';
