# rootmirror: local root-zone mirror (RFC 8806) as a container.
# Build:  docker build -t rootmirror .
# Run:    see README "Running it": inside a pod or `--network container:` as is; standalone,
#         with ROOTMIRROR_LISTEN=0.0.0.0:53, ROOTMIRROR_ALLOW_QUERY=172.16.0.0/12 and -p 127.53.53.53:53:53/udp+tcp
# Configured only by environment variables (ROOTMIRROR_*); see README "Options".
#
# Base: Node 26, the Active LTS line since October 2026 (Node 24 is in
# maintenance), on Debian 13 "trixie" slim. The tag pins the major line; pin
# the digest too (node:26-trixie-slim@sha256:...) where builds must be
# reproducible. Every stage uses the same base.
#
# Port 53 as a non-root user: Docker (20.10+) sets
# net.ipv4.ip_unprivileged_port_start=0 in each container's own network
# namespace, and Kubernetes allows that sysctl per pod (a "safe" sysctl), so no
# capability is needed and `--cap-drop ALL` / `allowPrivilegeEscalation: false`
# work. A file capability (setcap) on node would not: no_new_privs and a dropped
# bounding set ignore it. With `--network host` the host's sysctl applies: set
# ROOTMIRROR_LISTEN to a port >= 1024 there, or run the systemd unit instead.

# ---- build: compile TypeScript with the dev dependencies ----
FROM node:26-trixie-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
# dist/ by tsc, then dist/bundle/ (what bin/rootmirror runs) by rolldown: scripts/bundle.mjs says why.
RUN npx tsc -p tsconfig.json && node scripts/bundle.mjs

# ---- runtime: node, production dependencies, compiled code, keys ----
FROM node:26-trixie-slim
# MALLOC_MMAP_THRESHOLD_: see deploy/rootmirror.service (RSS flat over refreshes).
ENV NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    ROOTMIRROR_DATA_DIR=/var/lib/rootmirror \
    ROOTMIRROR_LISTEN=127.53.53.53:53 \
    ROOTMIRROR_HTTP=127.0.0.1:8053
WORKDIR /opt/rootmirror
COPY package.json package-lock.json ./
# Production dependencies only (no TypeScript, no vitest); then npm itself goes:
# nothing at run time needs it, and it is most of what scanners flag in a node image.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /root/.npm \
 && mkdir -p /var/lib/rootmirror \
 && chown node:node /var/lib/rootmirror
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY keys ./keys
COPY demo ./demo
# The base image's unprivileged "node" user (uid 1000) owns only the data dir.
USER node
VOLUME ["/var/lib/rootmirror"]
EXPOSE 53/udp 53/tcp 8053/tcp
# SIGTERM closes the listeners, drains TCP and exits 0 (docker stop's default, said out loud).
STOPSIGNAL SIGTERM
# GET /readyz on ROOTMIRROR_HTTP (a wildcard address is asked on loopback):
# healthy while a verified, unexpired zone is served. The first download and
# verification of the root zone can take a while: hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/opt/rootmirror/bin/rootmirror", "healthcheck"]
# A 1 MB semi-space (young generation) keeps RSS under 100 MB with the whole
# root zone loaded (~90 MB against ~125 MB with V8's default) and keeps each
# scavenge short: at 20k qps, p99 0.35-0.39 ms against 0.48-0.68 ms with 2 MB,
# for the same CPU per query (README, benchmarks).
ENTRYPOINT ["node", "--max-semi-space-size=1", "/opt/rootmirror/bin/rootmirror"]
CMD ["serve"]
