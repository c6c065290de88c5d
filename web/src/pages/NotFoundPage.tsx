import { PageHeader } from '../components/PageHeader';
import { Link } from '../router/Link';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" subtitle="This page does not exist, or your role does not include it." />
      <Link to="/">Go to your home page</Link>
    </>
  );
}
