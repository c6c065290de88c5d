import { useQuery } from '@tanstack/react-query';
import { trpc } from '../api/query';
import { Empty } from '../components/Empty';
import { ErrorNote } from '../components/ErrorNote';
import { Loading } from '../components/Loading';
import { PageHeader } from '../components/PageHeader';
import { navigate, useRoute } from '../router/hash-router';
import { CourseDeployments } from './CourseDeployments';

/**
 * Teachers and admins start a lab for a class and watch it. The chosen course lives in the URL
 * (`#/deployments?course=<id>`), so the course page can link straight to it and a reload keeps it.
 */
export function DeploymentsPage() {
  const { query } = useRoute();
  const courses = useQuery(trpc.courses.list.queryOptions());
  const courseId = query.get('course') ?? courses.data?.[0]?.id ?? '';

  return (
    <>
      <PageHeader
        title="Deployments"
        subtitle="Start a lab for a whole class, some students or some groups; follow every instance; stop it."
        actions={
          courses.data && courses.data.length > 0 ? (
            <label className="row">
              <span className="muted">Course</span>
              <select value={courseId} onChange={(e) => navigate(`/deployments?course=${e.target.value}`, { replace: true })} aria-label="Course">
                {courses.data.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.title} ({c.code})
                  </option>
                ))}
              </select>
            </label>
          ) : null
        }
      />
      <ErrorNote error={courses.error} />
      {courses.data === undefined ? (
        courses.error ? null : <Loading what="courses" />
      ) : courses.data.length === 0 ? (
        <Empty>You teach no course yet. Create one under Courses first.</Empty>
      ) : (
        <CourseDeployments key={courseId} courseId={courseId} />
      )}
    </>
  );
}
