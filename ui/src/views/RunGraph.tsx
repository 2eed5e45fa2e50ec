// The step DAG drawn with @xyflow/react over the ELK layout. Kind is told by shape, icon and label, not colour only.
import { Background, Controls, Handle, MiniMap, type Node, type NodeProps, Position, ReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import type { SessionDetail } from '../../../src/http/schemas.js';
import { type GraphNode, graphOf, layout, type PositionedGraph } from '../graph-model.js';

type Run = NonNullable<SessionDetail['run']>;
type RunFlowNode = Node<{ node: GraphNode; selected: boolean }, 'run'>;

const ICONS: Record<GraphNode['kind'], string> = {
  step: '●',
  checkpoint: '⚑',
  blocked_attempt: '✖',
  gate_checkpoint: '⏸',
  ghost: '◌',
};

function RunNode({ data }: NodeProps<RunFlowNode>) {
  const { node } = data;
  const classes = [
    'dag-node',
    `kind-${node.kind}`,
    node.isPreferredTip ? 'preferred-tip' : '',
    node.isLive ? 'live' : '',
    data.selected ? 'selected' : '',
  ].join(' ');
  return (
    <div
      className={classes}
      data-testid="dag-node"
      data-kind={node.kind}
      data-node-id={node.id}
      title={node.subtitle}
      style={{ width: node.width, height: node.height }}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="dag-title">
        <span aria-hidden="true">{ICONS[node.kind]}</span> {node.title}
      </div>
      <div className="dag-sub">
        {node.loopLabel !== null && <span className="loop-tag">{node.loopLabel}</span>}
        {node.kind === 'ghost' ? <span>{node.subtitle}</span> : <span className="mono">{node.subtitle}</span>}
        {node.isAlternateTip && <span className="muted"> · alternate branch</span>}
        {node.flags.includes('failed validation') && <span className="error-text"> · failed validation</span>}
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { run: RunNode };

export function RunGraph(props: {
  run: Run;
  live: boolean;
  showGhosts: boolean;
  selectedNodeId: string | null;
  onSelect: (nodeId: string) => void;
}) {
  const { run, live, showGhosts } = props;
  const model = useMemo(() => graphOf(run, { showGhosts, live }), [run, showGhosts, live]);
  const [positioned, setPositioned] = useState<PositionedGraph | null>(null);
  useEffect(() => {
    let cancelled = false;
    void layout(model).then((result) => {
      if (!cancelled) setPositioned(result);
    });
    return () => {
      cancelled = true;
    };
  }, [model]);

  if (positioned === null) return <div className="graph loading">Laying out the graph…</div>;
  const nodes: RunFlowNode[] = positioned.nodes.map((node) => ({
    id: node.id,
    type: 'run',
    position: { x: node.x, y: node.y },
    data: { node, selected: node.id === props.selectedNodeId },
    draggable: false,
    selectable: node.kind !== 'ghost',
  }));
  const edges = positioned.edges.map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    ...(edge.label === null ? {} : { label: edge.label }),
    className: `edge-${edge.style}`,
    style: edgeStyle(edge.style),
  }));
  return (
    <div className="graph" data-testid="dag">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
        minZoom={0.2}
        nodesConnectable={false}
        onNodeClick={(_, node) => {
          if (!node.id.startsWith('ghost_')) props.onSelect(node.id);
        }}
        proOptions={{ hideAttribution: true }}
        colorMode="dark"
      >
        <Background gap={24} color="#2f3547" />
        <Controls showInteractive={false} />
        {nodes.length > 30 && <MiniMap pannable zoomable />}
      </ReactFlow>
    </div>
  );
}

function edgeStyle(style: string): React.CSSProperties {
  switch (style) {
    case 'ghost':
    case 'checkpoint':
      return { strokeDasharray: '5 4', stroke: '#a89f8c', opacity: style === 'ghost' ? 0.6 : 1 };
    case 'retry':
      return { stroke: '#ff6b6b' };
    case 'fork':
      return { stroke: '#f4c430' };
    default:
      return { stroke: '#a89f8c' };
  }
}
