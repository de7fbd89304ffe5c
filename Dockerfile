# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript in a builder, run the compiled JavaScript as a non-root user.
# The last stage (runtime) is the bot; `--target demo` builds the simulated platform instead.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY jobs ./jobs
COPY migrations ./migrations
# The simulated Laojun platform for the compose "demo" profile: compiled on its own (dist-demo/), so the
# bot's image (stage runtime) does not carry it.
COPY demo ./demo
COPY tsconfig.demo.json ./
RUN npm run build && npx tsc -p tsconfig.demo.json && npm prune --omit=dev

# The simulator only (node built-ins, no dependencies): `docker build --target demo`.
FROM node:20-bookworm-slim AS demo
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist-demo ./dist-demo
USER node
ENTRYPOINT ["node", "dist-demo/demo/platform-main.js"]

FROM node:20-bookworm-slim AS runtime
# pg_dump/pg_restore and redis-cli for /backup; curl-free health check through node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client redis-tools ca-certificates tini fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]
