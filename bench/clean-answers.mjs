// Reference answers for the fuzz and swap benchmarks: the zone answered by an
// in-process Responder that no client ever touches. Built from dist/ (run
// `npm run build` first).

import { Acl, LOOPBACK } from '../dist/server/acl.js';
import { ServerCounters } from '../dist/server/counters.js';
import { Responder } from '../dist/server/respond.js';
import { ZoneStore } from '../dist/zone/store.js';

/**
 * What a fresh server for `zone` answers to `query` over `transport`.
 * @returns {(query: Uint8Array, transport?: 'udp' | 'tcp') => Buffer}
 */
export function cleanAnswerer(zone) {
  const store = new ZoneStore();
  store.swap(zone);
  const r = new Responder({ store, counters: new ServerCounters(), allowQuery: new Acl(LOOPBACK) });
  return (query, transport = 'udp') => Buffer.from(r.answer(query, transport, '127.0.0.1'));
}
