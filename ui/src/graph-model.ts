// Pure view model of the step DAG (docs/console.md §3.2 Graph): run nodes plus ghost nodes, the edges between
// them, and an ELK layered layout (top to bottom, deterministic: nodes in creation order).
import type { SessionDetail } from '../../src/http/schemas.js';

type Run = NonNullable<SessionDetail['run']>;

export interface GraphNode {
  readonly id: string;
  readonly kind: 'step' | 'checkpoint' | 'blocked_attempt' | 'gate_checkpoint' | 'ghost';
  readonly title: string;
  readonly subtitle: string;
  readonly loopLabel: string | null;
  readonly isPreferredTip: boolean;
  readonly isAlternateTip: boolean;
  readonly isLive: boolean;
  readonly flags: readonly string[];
  readonly width: number;
  readonly height: number;
}

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly label: string | null;
  readonly style: 'advance' | 'fork' | 'retry' | 'checkpoint' | 'ghost';
}

export interface PositionedGraph {
  readonly nodes: readonly (GraphNode & { readonly x: number; readonly y: number })[];
  readonly edges: readonly GraphEdge[];
}

export function graphOf(run: Run, options: { showGhosts: boolean; live: boolean }): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = run.nodes.map((node) => {
    const small = node.kind === 'checkpoint';
    const flags = [
      node.hasNotes ? 'notes' : null,
      node.hasArtifacts ? 'artifacts' : null,
      node.hasFailedValidation ? 'failed validation' : null,
    ].filter((f): f is string => f !== null);
    return {
      id: node.nodeId,
      kind: node.kind,
      title: kindLabel(node.kind, node.stepTitle ?? node.stepId ?? 'Step'),
      subtitle: node.stepId ?? (node.stepTitle === 'Complete' ? 'run complete' : ''),
      loopLabel: node.loop === null ? null : `${node.loop.loopId} #${node.loop.iteration}`,
      isPreferredTip: node.isPreferredTip,
      isAlternateTip: node.isTip && !node.isPreferredTip,
      isLive: options.live && node.isPreferredTip,
      flags,
      width: small ? 150 : 220,
      height: small ? 44 : 64,
    };
  });
  const edges: GraphEdge[] = run.edges.map((edge, index) => ({
    id: `e${index}`,
    source: edge.fromNodeId,
    target: edge.toNodeId,
    label: edge.cause === 'advance' ? null : edge.cause,
    style: edge.cause === 'gate' ? 'advance' : edge.cause,
  }));
  if (options.showGhosts) {
    for (const ghost of run.ghostSteps) {
      nodes.push({
        id: ghost.ghostId,
        kind: 'ghost',
        title: ghost.stepTitle,
        subtitle: `skipped: ${ghost.condition ?? ghost.reason}`,
        loopLabel: ghost.loop === null ? null : `${ghost.loop.loopId} #${ghost.loop.iteration}`,
        isPreferredTip: false,
        isAlternateTip: false,
        isLive: false,
        flags: [],
        width: 200,
        height: 56,
      });
      const from = ghost.afterNodeId ?? ghost.beforeNodeId;
      edges.push({ id: `${ghost.ghostId}-in`, source: from, target: ghost.ghostId, label: null, style: 'ghost' });
    }
  }
  return { nodes, edges };
}

function kindLabel(kind: GraphNode['kind'], title: string): string {
  switch (kind) {
    case 'blocked_attempt':
      return `Blocked: ${title}`;
    case 'checkpoint':
      return 'Checkpoint';
    case 'gate_checkpoint':
      return `Gate: ${title}`;
    default:
      return title;
  }
}

type Elk = InstanceType<typeof import('elkjs/lib/elk.bundled.js').default>;
let elk: Promise<Elk> | null = null;

/** ELK is large, so it is loaded with the first graph rather than with the sessions list. */
function elkInstance(): Promise<Elk> {
  elk ??= import('elkjs/lib/elk.bundled.js').then((module) => new module.default());
  return elk;
}

export async function layout(graph: { nodes: GraphNode[]; edges: GraphEdge[] }): Promise<PositionedGraph> {
  const result = await (await elkInstance()).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': '36',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.layered.crossingMinimization.forceNodeModelOrder': 'true',
    },
    children: graph.nodes.map((node) => ({ id: node.id, width: node.width, height: node.height })),
    edges: graph.edges.map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
  });
  const positions = new Map((result.children ?? []).map((child) => [child.id, { x: child.x ?? 0, y: child.y ?? 0 }]));
  return {
    nodes: graph.nodes.map((node) => ({ ...node, ...(positions.get(node.id) ?? { x: 0, y: 0 }) })),
    edges: graph.edges,
  };
}

/** Keyboard moves in the graph: up to the parent, down to the first child, left/right among siblings. */
export function neighbour(run: Run, nodeId: string, key: string): string | null {
  const node = run.nodes.find((n) => n.nodeId === nodeId);
  if (node === undefined) return run.nodes[0]?.nodeId ?? null;
  if (key === 'ArrowUp' || key === 'k') return node.parentNodeId;
  const children = run.nodes.filter((n) => n.parentNodeId === nodeId);
  if (key === 'ArrowDown' || key === 'j') return children[0]?.nodeId ?? null;
  const siblings = run.nodes.filter((n) => n.parentNodeId === node.parentNodeId);
  const at = siblings.findIndex((n) => n.nodeId === nodeId);
  if (key === 'ArrowLeft') return siblings[at - 1]?.nodeId ?? null;
  if (key === 'ArrowRight') return siblings[at + 1]?.nodeId ?? null;
  return null;
}
