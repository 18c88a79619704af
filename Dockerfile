# bucketbridge copy engine. The image carries the bundled engine (npm run build:engine: one file,
# build/engine/bucketbridge.cjs, with its source map) and Node.js: no node_modules, no npm, no shell.
# Build: docker build -t bucketbridge .
# Node.js 24, an LTS line: Node 20 reached its end of life on 2026-04-30. CI runs the engine's
# tests on Node 24 too (.ci/run).
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-engine.mjs scripts/
COPY lib lib
RUN npm run build:engine

FROM gcr.io/distroless/nodejs24-debian12:nonroot
COPY --from=build /src/build/engine /app
# Stack traces name the TypeScript sources with NODE_OPTIONS=--enable-source-maps.
ENTRYPOINT ["/nodejs/bin/node", "/app/bucketbridge.cjs"]
CMD ["--help"]
