// A snapshot is the state written as the records that rebuild it, so brokers and lagging
// controllers catch up with the same reducer they use for the log. restore(snapshot(s), o)
// equals s as of offset o: that is what lets the Raft log be compacted.
import { applyRecords } from './apply-record.js';
import {
  brokerShutdownRecord,
  configRecord,
  featureLevelRecord,
  partitionRecord,
  producerIdsRecord,
  registerBrokerRecord,
  topicRecord,
  userScramCredentialRecord,
  accessControlEntryRecord,
  type MetadataRecord,
} from './records.js';
import { brokersSortedById, partitionsOf, topicsSortedByName } from './queries.js';
import { EMPTY_METADATA_STATE, parseConfigResourceKey, type ConfigResourceKind, type MetadataState } from './state.js';
import { byString } from './order.js';

/** The records that rebuild `state`, in a canonical order: the same state gives the same list. */
export function snapshot(state: MetadataState): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const name of [...state.features.keys()].sort(byString)) records.push(featureLevelRecord(name, state.features.get(name)!));
  for (const broker of brokersSortedById(state)) {
    records.push(registerBrokerRecord(broker));
    if (broker.inControlledShutdown) records.push(brokerShutdownRecord(broker.brokerId, broker.brokerEpoch));
  }
  records.push(...configRecordsOf(state, 'cluster'), ...configRecordsOf(state, 'broker'));
  for (const topic of topicsSortedByName(state)) {
    records.push(topicRecord(topic.name, topic.topicId));
    records.push(...configRecordsOf(state, 'topic', topic.name));
    for (const partition of partitionsOf(topic)) records.push(partitionRecord(partition));
  }
  if (state.producerIds !== undefined) {
    const { lastBrokerId, lastBrokerEpoch, nextProducerId } = state.producerIds;
    records.push(producerIdsRecord(lastBrokerId, lastBrokerEpoch, nextProducerId));
  }
  for (const user of [...state.scramCredentials.keys()].sort(byString)) {
    const ofUser = state.scramCredentials.get(user)!;
    for (const mechanism of [...ofUser.keys()].sort(byString)) records.push(userScramCredentialRecord(user, mechanism, ofUser.get(mechanism)!));
  }
  for (const id of [...state.acls.keys()].sort(byString)) records.push(accessControlEntryRecord(id, state.acls.get(id)!));
  return records;
}

function configRecordsOf(state: MetadataState, kind: ConfigResourceKind, name?: string): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const resourceKey of [...state.configs.keys()].sort(byString)) {
    const resource = parseConfigResourceKey(resourceKey);
    if (resource.kind !== kind || (name !== undefined && resource.name !== name)) continue;
    const entries = state.configs.get(resourceKey)!;
    for (const key of [...entries.keys()].sort(byString)) records.push(configRecord(kind, resource.name, key, entries.get(key)));
  }
  return records;
}

/** The state a snapshot taken at `offset` stands for. */
export function restore(records: readonly MetadataRecord[], offset: number): MetadataState {
  // An empty state (every broker and topic gone again) snapshots to no records at all, yet
  // still stands for `offset`.
  return { ...applyRecords(EMPTY_METADATA_STATE, records, offset), offset };
}

