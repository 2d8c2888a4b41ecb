# The target (SocialConnect backend) as an image: the cluster primary with WORKERS
# workers on PORT, run from TypeScript sources by tsx exactly as the managed stack runs it.
# NODE_IMAGE: any Node 20 image on Debian bookworm (deploy/images/build-local.sh makes one where no registry is reachable).
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the PostgreSQL binaries of embedded-postgres are not
# needed in the image (the compose file runs postgres:17), so optional packages are skipped.
# The project's `prepare` (a tsc build for the CLI) is not the target's: it is dropped from this stage's copy.
RUN npm pkg delete scripts.prepare && npm ci --omit=dev --omit=optional --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 WORKERS=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY common ./common
COPY target ./target
USER node
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=12 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "target/cluster.ts"]
