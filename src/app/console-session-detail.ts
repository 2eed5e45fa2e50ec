// GET /sessions/:id and GET /sessions/:id/artifacts of the console (docs/console.md §3.2, §4.1): one consistent
// snapshot of the session, its graph, its events and the pinned workflow, turned into view models.
import type { NodeId, SessionId } from '../engine/events.js';
import type { SessionReader } from '../store/index.js';
import { buildRunView, stepIdOf } from './console-run.js';
import type { ConsoleSessions } from './console-sessions.js';
import type { ArtifactView, SessionDetailView } from './console-views.js';
import type { AppDeps } from './deps.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';

/** The session with its run; NOT_FOUND for an unknown id. A corrupt session comes back with `health: "corrupt"`. */
export function consoleSessionDetail(
  deps: Pick<AppDeps, 'store'>,
  sessions: ConsoleSessions,
  sessionId: string,
): Result<SessionDetailView, AppError> {
  return deps.store.read((reader) => {
    const summary = sessions.summary(reader, sessionId);
    if (summary === null) return err(notFound(sessionId));
    const loaded = reader.loadSession(sessionId as SessionId);
    if (loaded.kind === 'not_found') return err(notFound(sessionId));
    const metrics = reader.sessionMetrics(sessionId as SessionId);
    const metricsView =
      metrics === null
        ? null
        : {
            durationMs: metrics.durationMs ?? summary.durationMs,
            stepsCompleted: metrics.stepsAdvanced,
            retriesCount: metrics.blockedAttempts,
            outcome: metrics.outcome,
            startSha: metrics.startSha,
            endSha: metrics.endSha,
          };
    if (loaded.kind === 'unhealthy') {
      return ok({
        ...summary,
        health: 'corrupt' as const,
        healthReason: loaded.health.reason,
        run: null,
        injectedContext: null,
        metrics: metricsView,
      });
    }
    const events = reader.listEvents(sessionId as SessionId);
    const tip = loaded.session.run?.preferredTipNodeId ?? null;
    const context = tip === null ? null : reader.nodeContext(tip);
    const notes = reader.listOutputs(sessionId as SessionId).filter((o) => o.channel === 'notes');
    const lastNotes = notes.at(-1);
    return ok({
      ...summary,
      recapSnippet: lastNotes === undefined ? null : snippet(lastNotes.notesMarkdown),
      run: buildRunView(loaded.session, events, summary.status, context),
      healthReason: null,
      injectedContext: null,
      metrics: metricsView,
    });
  });
}

/** Every artifact of the session in recording order, with its node and step. NOT_FOUND for an unknown id. */
export function consoleSessionArtifacts(
  deps: Pick<AppDeps, 'store'>,
  sessionId: string,
): Result<{ readonly artifacts: readonly ArtifactView[] }, AppError> {
  return deps.store.read((reader) => {
    if (reader.checkHealth(sessionId as SessionId).kind === 'not_found') return err(notFound(sessionId));
    return ok({ artifacts: artifactsOf(reader, sessionId as SessionId) });
  });
}

export function artifactsOf(reader: SessionReader, sessionId: SessionId, nodeIds?: readonly NodeId[]): ArtifactView[] {
  const steps = new Map<string, string | null>();
  const stepOf = (nodeId: NodeId) => {
    if (!steps.has(nodeId)) {
      const found = reader.loadNode(sessionId, nodeId);
      steps.set(nodeId, found.kind === 'ok' ? stepIdOf(found.position.node.state) : null);
    }
    return steps.get(nodeId) ?? null;
  };
  return reader.listOutputs(sessionId, nodeIds).flatMap((output) =>
    output.channel === 'artifact'
      ? [
          {
            nodeId: output.nodeId,
            stepId: stepOf(output.nodeId),
            kind: output.artifact.kind,
            contentType: 'application/json',
            byteLength: output.artifact.bytes,
            sha256: output.artifact.sha256,
            content: output.artifact.content,
          },
        ]
      : [],
  );
}

export function notFound(sessionId: string): AppError {
  return appError('NOT_FOUND', `No session with id "${sessionId}".`);
}

function snippet(markdown: string): string {
  const line = markdown.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}
