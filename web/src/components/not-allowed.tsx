import { Link } from 'wouter';

/** A user without the access a page needs sees this, and nothing of what it shows. */
export function NotAllowed({ what }: { what?: string }) {
  return (
    <section className="panel narrow" aria-labelledby="not-allowed-title">
      <h1 id="not-allowed-title">Not allowed</h1>
      <p>{what ?? 'Your token does not allow you to see this. Ask an admin for read access to its environment.'}</p>
      <p>
        <Link to="/">Back to deployments</Link>
      </p>
    </section>
  );
}
