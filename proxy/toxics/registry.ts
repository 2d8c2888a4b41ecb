import { z } from 'zod';
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
  [
    latencyToxic,
    bandwidthToxic,
    slowCloseToxic,
    timeoutToxic,
    resetPeerToxic,
    slicerToxic,
    limitDataToxic,
    noopToxic,
  ].map((d) => [d.type, d]),
);

/** The attribute names of a toxic type (its Go struct's JSON fields). */
export function attributeNames(definition: ToxicDefinition): string[] {
  return definition.attributes instanceof z.ZodObject ? Object.keys(definition.attributes.shape) : [];
}

/**
 * Every JSON field name of Toxiproxy's request bodies (Proxy, ToxicWrapper and
 * each toxic's attributes), plus rampart's extensions: the keys a body's
 * differently-cased spellings fold to.
 */
export const bodyFieldNames: ReadonlySet<string> = new Set([
  'name',
  'listen',
  'upstream',
  'enabled',
  'type',
  'stream',
  'toxicity',
  'attributes',
  'toxics',
  'on_upstream_down',
  ...[...toxicTypes.values()].flatMap(attributeNames),
]);
