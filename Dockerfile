# Shipgate as a container: `docker build -t shipgate .` then
# `docker run -p 8080:8080 -e SHIPGATE_DATABASE_URL=postgres://… shipgate` (see README, "Run it in production").
# NODE_IMAGE is any Node 20 image with npm (and, for the build stage, what `npm ci` needs to build better-sqlite3
# where no prebuilt binary can be fetched: python3, make and a C++ compiler). DOCKER_CLI_IMAGE supplies the docker CLI
# and its Compose v2 plugin, which the Compose runtime drives (at the paths of the official docker:cli images).
ARG NODE_IMAGE=node:20-bookworm
ARG RUNTIME_IMAGE=${NODE_IMAGE}
ARG DOCKER_CLI_IMAGE=docker:27-cli

FROM ${DOCKER_CLI_IMAGE} AS docker-cli

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && mkdir -p /app/data

FROM ${RUNTIME_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 HOME=/tmp
WORKDIR /app
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=docker-cli /usr/local/libexec/docker/cli-plugins/docker-compose /usr/local/libexec/docker/cli-plugins/docker-compose
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/bin ./bin
# The embedded store's folder, the only place written to (PostgreSQL needs none); owned by the unprivileged user.
COPY --from=build --chown=10001:10001 /app/data ./data
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "dist/main.js"]
