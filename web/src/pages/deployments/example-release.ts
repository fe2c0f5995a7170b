/** What "Deploy an example" drafts: a small Compose app a new user can read, edit and preview. */
export const EXAMPLE_RELEASE = {
  application: 'hello',
  spec: `# An example to start from: edit anything, then draft it and preview what it would change.
# \${TAG} is a parameter, set below; values of secret-looking names (like API_TOKEN) are masked everywhere.
services:
  web:
    image: nginx:\${TAG}
    ports:
      - "8081:80"
    environment:
      GREETING: hello from Shipgate
      API_TOKEN: change-me
`,
  parameters: { TAG: '1.27-alpine' },
  description: 'My first release: the example app',
};
