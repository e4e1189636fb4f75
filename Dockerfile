# rootmirror: local root-zone mirror (RFC 8806) as a container.
# Build:  docker build -t rootmirror .
# Run:    docker run -d --name rootmirror -v rootmirror-data:/var/lib/rootmirror rootmirror
# Configured only by environment variables (ROOTMIRROR_*); see README "Options".

# ---- build: compile TypeScript with dev dependencies ----
FROM node:26-trixie-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --ignore-scripts

# ---- runtime: node, compiled code, production dependencies, keys ----
FROM node:26-trixie-slim
ENV NODE_ENV=production \
    ROOTMIRROR_DATA_DIR=/var/lib/rootmirror \
    ROOTMIRROR_LISTEN=127.53.53.53:53 \
    ROOTMIRROR_HTTP=127.0.0.1:8053
WORKDIR /opt/rootmirror
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY keys ./keys
# The image's unprivileged "node" user (uid 1000) owns only the data dir.
# Binding port 53 as non-root works because Docker sets
# net.ipv4.ip_unprivileged_port_start=0 inside the container's network namespace.
RUN mkdir -p /var/lib/rootmirror && chown node:node /var/lib/rootmirror
USER node
VOLUME ["/var/lib/rootmirror"]
EXPOSE 53/udp 53/tcp 8053/tcp
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/opt/rootmirror/bin/rootmirror", "healthcheck"]
# A 2 MB young generation keeps RSS near 100 MB with the whole root zone loaded
# (measured: 124 MB -> 99 MB idle) and costs no throughput.
ENTRYPOINT ["node", "--max-semi-space-size=2", "/opt/rootmirror/bin/rootmirror"]
CMD ["serve"]
