// A canonical text form of a MetadataState: equal states give equal text whatever order their
// maps were filled in. Used to compare nodes (and replay against snapshot restore) exactly.
import { brokersSortedById, partitionsOf, topicsSortedByName } from './queries.js';
import type { MetadataState } from './state.js';
import { byString } from './order.js';

export function canonicalMetadata(state: MetadataState): string {
  return JSON.stringify({
    offset: state.offset,
    features: [...state.features.keys()].sort(byString).map((name) => [name, state.features.get(name)]),
    brokers: brokersSortedById(state).map((b) => ({
      brokerId: b.brokerId,
      incarnationId: b.incarnationId,
      brokerEpoch: b.brokerEpoch,
      endpoints: b.endpoints.map((e) => [e.listenerName, e.host, e.port]),
      rack: b.rack ?? null,
      fenced: b.fenced,
      inControlledShutdown: b.inControlledShutdown,
    })),
    topics: topicsSortedByName(state).map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: partitionsOf(t).map((p) => ({
        partition: p.partition,
        replicas: p.replicas,
        isr: p.isr,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        reassignment: p.reassignment ?? null,
      })),
    })),
    configs: [...state.configs.keys()].sort(byString).map((resourceKey) => {
      const entries = state.configs.get(resourceKey)!;
      return [resourceKey, [...entries.keys()].sort(byString).map((key) => [key, entries.get(key)])];
    }),
    producerIds: state.producerIds ?? null,
    scramCredentials: [...state.scramCredentials.keys()].sort(byString).map((user) => {
      const ofUser = state.scramCredentials.get(user)!;
      return [
        user,
        [...ofUser.keys()].sort(byString).map((mechanism) => {
          const c = ofUser.get(mechanism)!;
          return [mechanism, c.iterations, c.salt.toString('hex'), c.storedKey.toString('hex'), c.serverKey.toString('hex')];
        }),
      ];
    }),
    acls: [...state.acls.keys()].sort(byString).map((id) => [id, state.acls.get(id)]),
  });
}
