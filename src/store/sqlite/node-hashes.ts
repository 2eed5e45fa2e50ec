// How a node row is found by its node id (schema 20): the row keeps a 32-bit hash of the id (`node_hash`, indexed by
// `nodes_by_hash`), and the id itself only in its `node_created` event, whose id is the row's. A lookup probes the
// hash and compares the event's id, so two ids with one hash never return each other's row.
//
// Event data stores a node id as `packJson` writes it; a NodeId (`node_` + letters and digits) packs to itself, so
// SQL may compare the stored id with a node id held as text elsewhere (`runs.preferred_tip_node_id`,
// `nodes.parent_node_id`).
import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { dataPath, packJson } from './data-dictionary.js';
import { kindCode } from './event-codec.js';

/** The first 4 bytes of the SHA-256 of a node id as event data stores it, as a signed integer. */
export function nodeHash(storedNodeId: string): number {
  return hash('sha256', storedNodeId, 'buffer').readInt32BE(0);
}

/** The SQL function `workrail_node_hash(text)`: nodeHash of a stored node id; NULL for NULL. */
export const NODE_HASH_FUNCTION = 'workrail_node_hash';

export function registerNodeHash(db: Database.Database): void {
  db.function(NODE_HASH_FUNCTION, { deterministic: true }, (nodeId) =>
    typeof nodeId === 'string' ? nodeHash(nodeId) : null,
  );
}

interface NodeKey {
  readonly nodeHash: number | null;
  readonly nodeId: string | null;
}

const NO_NODE: NodeKey = { nodeHash: null, nodeId: null };
/** A call looks up the same few nodes many times (its node, the parent, the new node): their keys are kept. */
const recentKeys = new Map<string, NodeKey>();
const RECENT_KEYS = 256;

/** The parameters of a lookup by node id (`@nodeHash`, `@nodeId`: see nodeIsBoundSql); null ids stay null. */
export function nodeKey(nodeId: string | null): NodeKey {
  if (nodeId === null) return NO_NODE;
  let key = recentKeys.get(nodeId);
  if (key === undefined) {
    if (recentKeys.size >= RECENT_KEYS) recentKeys.clear();
    const stored = packJson(nodeId) as string;
    key = { nodeHash: nodeHash(stored), nodeId: stored };
    recentKeys.set(nodeId, key);
  }
  return key;
}

/**
 * SQL for the node id of node row `row` (an alias, or an expression for its id with `byId`): the id its
 * `node_created` event stores; NULL when that event is missing, is not a node's creation or does not parse.
 */
export function nodeIdSql(row: string, byId = false): string {
  const id = byId ? row : `${row}.id`;
  return `(SELECT CASE WHEN json_valid(x.data) THEN x.data ->> '${dataPath('nodeId')}' END FROM events x
   WHERE x.id = ${id} AND x.kind = ${kindCode('node_created')})`;
}

/** SQL: whether node row `row` is the node with id `nodeId` (an SQL expression), through the hash index. */
export function nodeIsSql(row: string, nodeId: string, hash = `${NODE_HASH_FUNCTION}(${nodeId})`): string {
  return `${row}.node_hash = ${hash} AND ${nodeIdSql(row)} = ${nodeId}`;
}

/** SQL: whether node row `row` is the node of the bound `@nodeHash` and `@nodeId` (nodeKey). */
export function nodeIsBoundSql(row: string): string {
  return nodeIsSql(row, '@nodeId', '@nodeHash');
}
