# syntax=docker/dockerfile:1
# One image for every hub service. Pick the service with HUB_SERVICE
# (gateway | router | delivery | console | scheduler) or pass a command, e.g.
#   docker run -e HUB_SERVICE=gateway hub
#   docker run hub pnpm exec tsx services/router/src/main.ts
# The services run TypeScript through tsx: there is no build step.

FROM node:20-slim

# pnpm comes from the npm registry (corepack cannot fetch it from ours).
RUN npm install -g pnpm@10 \
 && npm cache clean --force

WORKDIR /app

# Fetch every package the lockfile names before copying the sources, so this layer
# is reused until pnpm-lock.yaml changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch

# Sources and workspace manifests, then an offline install from the fetched store.
# Dev dependencies stay: tsx (a root devDependency) runs the services.
COPY . .
RUN pnpm install --frozen-lockfile --offline \
 && chmod 0755 infra/docker-entrypoint.sh

ENV NODE_ENV=production \
    HUB_CONFIG_DIR=/app/config/demo \
    HEALTH_PORT=9464

# The sources stay owned by root and read-only to the service user.
USER node

# gateway 8080, console 8090, workers' health/metrics port 9464
EXPOSE 8080 8090 9464

# Every service answers /livez on HEALTH_PORT (process-local liveness).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||9464)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["/app/infra/docker-entrypoint.sh"]
