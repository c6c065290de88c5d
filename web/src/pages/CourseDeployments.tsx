import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { trpc } from '../api/query';
import { Empty } from '../components/Empty';
import { ErrorNote } from '../components/ErrorNote';
import { Loading } from '../components/Loading';
import { DeploymentCard, type DeploymentNames } from './DeploymentCard';
import { StartDeploymentForm } from './StartDeploymentForm';

/** One course's deployments (newest first) beside the form that starts a new one. */
export function CourseDeployments({ courseId }: { courseId: string }) {
  const members = useQuery(trpc.courses.members.queryOptions({ courseId }));
  const groups = useQuery(trpc.groups.list.queryOptions({ courseId }));
  const assignments = useQuery(trpc.assignments.list.queryOptions({ courseId }));
  const labs = useQuery(trpc.labs.list.queryOptions({ courseId }));
  // The cards poll their own instances; the list only needs to notice deployments started elsewhere.
  const deployments = useQuery(trpc.deployments.list.queryOptions({ courseId }, { refetchInterval: 10_000 }));

  const names = useMemo<DeploymentNames>(() => {
    const users = new Map((members.data ?? []).map((m) => [m.user.id, m.user.displayName]));
    const groupNames = new Map((groups.data ?? []).map((g) => [g.id, g.name]));
    const labNames = new Map((labs.data ?? []).map((l) => [l.id, `${l.title} (${l.name} v${l.version})`]));
    const assignmentTitles = new Map((assignments.data ?? []).map((a) => [a.id, a.title]));
    return {
      user: (id) => users.get(id) ?? id.slice(0, 8),
      group: (id) => groupNames.get(id) ?? id.slice(0, 8),
      lab: (labConfigId, assignmentId) =>
        (assignmentId ? assignmentTitles.get(assignmentId) : undefined) ?? labNames.get(labConfigId) ?? `lab ${labConfigId.slice(0, 8)}`,
    };
  }, [members.data, groups.data, labs.data, assignments.data]);

  const setupError = members.error ?? groups.error ?? assignments.error ?? labs.error;
  return (
    <div className="grid-2">
      <section className="stack" aria-label="Deployments of the course">
        <ErrorNote error={deployments.error} />
        {deployments.data === undefined ? (
          deployments.error ? null : <Loading what="deployments" />
        ) : deployments.data.length === 0 ? (
          <Empty>No lab has been started for this course yet.</Empty>
        ) : (
          deployments.data.map((d) => <DeploymentCard key={d.id} deployment={d} names={names} onChanged={() => void deployments.refetch()} />)
        )}
      </section>
      <div>
        <ErrorNote error={setupError} />
        {members.data && groups.data && assignments.data && labs.data ? (
          <StartDeploymentForm
            courseId={courseId}
            assignments={assignments.data}
            labs={labs.data}
            students={members.data.filter((m) => m.courseRole === 'student').map((m) => m.user)}
            groups={groups.data}
            onStarted={() => {
              void deployments.refetch();
              // A start without an assignment may have created one.
              void assignments.refetch();
            }}
          />
        ) : setupError ? null : (
          <Loading />
        )}
      </div>
    </div>
  );
}
