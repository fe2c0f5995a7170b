/** What a new user sees before anything was released: deploy the example, or how to reach a Docker engine. */
export function FirstSteps({ canDeploy, engineDown, onExample }: { canDeploy: boolean; engineDown: boolean; onExample: () => void }) {
  return (
    <section className="panel" aria-labelledby="first-steps-title">
      <h2 id="first-steps-title">Nothing released yet</h2>
      {engineDown ? (
        <p role="status">
          No Docker engine answers this server. Start Docker, or point Shipgate at an engine with <code>DOCKER_HOST</code> (for example{' '}
          <code>DOCKER_HOST=unix:///var/run/docker.sock</code> or <code>tcp://docker-host:2375</code>) and restart it.
        </p>
      ) : canDeploy ? (
        <>
          <p>
            Start with a small example app: you can edit it, then draft it, see exactly what it would change, and apply it. Every step lands
            on the release's timeline.
          </p>
          <button type="button" className="button button-primary" onClick={onExample}>
            Deploy an example
          </button>
        </>
      ) : (
        <p>Releases appear here once someone deploys to an environment you can see.</p>
      )}
    </section>
  );
}
