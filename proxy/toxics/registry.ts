import type { ToxicDefinition } from './toxic.ts';
import { latencyToxic } from './latency-toxic.ts';
import { bandwidthToxic } from './bandwidth-toxic.ts';
import { slowCloseToxic } from './slow-close-toxic.ts';
import { timeoutToxic } from './timeout-toxic.ts';
import { resetPeerToxic } from './reset-peer-toxic.ts';
import { slicerToxic } from './slicer-toxic.ts';
import { limitDataToxic } from './limit-data-toxic.ts';
import { noopToxic } from './noop-toxic.ts';

/** Every toxic type the proxy knows, by Toxiproxy's type name. */
export const toxicTypes: ReadonlyMap<string, ToxicDefinition> = new Map(
  [latencyToxic, bandwidthToxic, slowCloseToxic, timeoutToxic, resetPeerToxic, slicerToxic, limitDataToxic, noopToxic].map((d) => [d.type, d]),
);
