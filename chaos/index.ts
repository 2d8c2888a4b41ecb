// Public door of chaos/: the drills (the fault proxy they drive through Toxiproxy's API is proxy/).
export { runDrill, listDrills, UnknownDrillError } from './drills/runner.ts';
export { drills } from './drills/catalog.ts';
export type { DrillDefinition, DrillStack, RunDrillOptions, Profile as DrillProfile, Objective, FaultAction, TimedAction } from './drills/types.ts';
