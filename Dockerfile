# bucketbridge copy engine. The image carries the bundled engine (npm run build:engine: the entry,
# the CLI, and the SDK file it loads only for deletes, build/engine/) and Node.js:
# no node_modules, no npm, no shell. Build: docker build -t bucketbridge .
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
# The entry starts the CLI from V8's code cache, which only the Node.js that made it can use: this
# image's Node.js makes it again here by running --help (exec form, as the image has no shell).
# Root owns /app; an ARG is set for this step only, not in the image's environment.
USER root
ARG BUCKETBRIDGE_WRITE_CODE_CACHE=1
RUN ["/nodejs/bin/node", "--no-concurrent-recompilation", "/app/bucketbridge.cjs", "--help"]
USER nonroot
# Stack traces name the TypeScript sources with NODE_OPTIONS=--enable-source-maps (the code cache is
# then not used). The V8 flags are IMAGE_NODE_FLAGS in lib/engine/launcher.ts, which says why.
ENTRYPOINT ["/nodejs/bin/node", "--no-concurrent-recompilation", "/app/bucketbridge.cjs"]
CMD ["--help"]
