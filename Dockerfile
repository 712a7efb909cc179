# The API image (also runs the CLI: migrations, seeding, the k6 bundle). Multi-stage: the first
# stage installs the production dependencies and bundles the k6 scenarios; the final stage is
# Node LTS slim with only what runs, as the unprivileged `node` user.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY bin ./bin
COPY common ./common
COPY server ./server
COPY seeds ./seeds
COPY maintenance ./maintenance
COPY scenarios ./scenarios
COPY load ./load
RUN node bin/loadlab.mjs build

FROM node:22-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 FILES_DIR=/app/.data/files
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /app/.data/files && chown -R node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --retries=5 CMD ["node", "-e", "fetch('http://127.0.0.1:3000/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "server/main.ts"]
