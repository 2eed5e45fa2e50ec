// The node panel (docs/console.md §3.2): kind, step, prompt (collapsed), notes as Markdown without raw HTML,
// artifacts, context, validations, advance outcome with blockers, and the trace entries that chose this step.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import Markdown from 'react-markdown';
import { api } from '../api.js';

export function NodePanel(props: { sessionId: string; nodeId: string; onClose: () => void }) {
  const node = useQuery({
    queryKey: ['session', props.sessionId, 'node', props.nodeId],
    queryFn: () => api.node(props.sessionId, props.nodeId),
  });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [props.nodeId]);

  return (
    <aside className="panel node-panel" role="dialog" aria-label="Node details" data-testid="node-panel">
      <div className="panel-head">
        <h2 ref={heading} tabIndex={-1}>
          {node.data?.stepTitle ?? 'Node'}
        </h2>
        <button type="button" className="small-button" onClick={props.onClose} aria-label="Close node panel (Esc)">
          ✕
        </button>
      </div>
      {node.isError && <p className="error-text">{node.error.message}</p>}
      {node.data !== undefined && (
        <div className="panel-body">
          <dl className="kv">
            <dt>Kind</dt>
            <dd>{node.data.kind.replace('_', ' ')}</dd>
            <dt>Step</dt>
            <dd className="mono">{node.data.stepId ?? '—'}</dd>
            {node.data.loop !== null && (
              <>
                <dt>Loop</dt>
                <dd>
                  {node.data.loop.loopId} #{node.data.loop.iteration}
                </dd>
              </>
            )}
            <dt>Created</dt>
            <dd>
              {new Date(node.data.createdAt).toLocaleString()} · event {node.data.eventIndex}
            </dd>
            <dt>Tip</dt>
            <dd>{node.data.isPreferredTip ? 'preferred tip' : node.data.isTip ? 'alternate branch' : 'no'}</dd>
            <dt>Node</dt>
            <dd className="mono small">{node.data.nodeId}</dd>
          </dl>

          <section>
            <h3>Notes</h3>
            {node.data.notesMarkdown === null ? (
              <p className="muted">No notes recorded on this node.</p>
            ) : (
              <div className="markdown" data-testid="node-notes">
                <Markdown skipHtml>{node.data.notesMarkdown}</Markdown>
              </div>
            )}
          </section>

          {node.data.advance !== null && (
            <section>
              <h3>Advance</h3>
              <p>
                <span className={`chip ${node.data.advance.outcome === 'blocked' ? 'error' : 'success'}`}>
                  {node.data.advance.outcome === 'blocked' ? '✖' : '✔'} {node.data.advance.outcome}
                </span>{' '}
                <span className="mono muted small">{node.data.advance.attemptId}</span>
              </p>
              {node.data.advance.blockers.length > 0 && (
                <ul className="blockers">
                  {node.data.advance.blockers.map((blocker) => (
                    <li key={`${blocker.code}-${blocker.pointer}`}>
                      <strong className="mono">{blocker.code}</strong> ({blocker.pointer}): {blocker.message}
                      {blocker.suggestedFix !== null && <div className="muted">Fix: {blocker.suggestedFix}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          )}

          {node.data.validations.length > 0 && (
            <section>
              <h3>Validation</h3>
              <ul>
                {node.data.validations.map((v) => (
                  <li key={v.validationId}>
                    <span className={`chip ${v.outcome === 'pass' ? 'success' : 'error'}`}>
                      {v.outcome === 'pass' ? '✔ pass' : '✖ fail'}
                    </span>{' '}
                    <span className="mono">{v.contractRef}</span>
                    {v.issues.map((issue) => (
                      <div key={issue}>{issue}</div>
                    ))}
                  </li>
                ))}
              </ul>
            </section>
          )}

          <section>
            <h3>Artifacts</h3>
            {node.data.artifacts.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              node.data.artifacts.map((artifact) => (
                <div key={artifact.sha256} className="artifact" data-testid="node-artifact">
                  <div>
                    <strong>{artifact.kind}</strong>{' '}
                    <span className="muted small">
                      {artifact.contentType} · {artifact.byteLength} bytes
                    </span>
                  </div>
                  <JsonView value={artifact.content} />
                </div>
              ))
            )}
          </section>

          {node.data.trace.length > 0 && (
            <section>
              <h3>Routing</h3>
              <ul>
                {node.data.trace.map((entry, index) => (
                  <li key={`${entry.kind}-${index}`}>{entry.summary}</li>
                ))}
              </ul>
            </section>
          )}

          {node.data.prompt !== null && (
            <details>
              <summary>Prompt</summary>
              <div className="markdown">
                <Markdown skipHtml>{node.data.prompt}</Markdown>
              </div>
            </details>
          )}
          {node.data.contextDelta !== null && (
            <details open>
              <summary>Context set here</summary>
              <JsonView value={node.data.contextDelta} />
            </details>
          )}
          {node.data.contextAtNode !== null && (
            <details>
              <summary>Merged context</summary>
              <JsonView value={node.data.contextAtNode} />
            </details>
          )}
        </div>
      )}
    </aside>
  );
}

export function JsonView({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}
