# bucketbridge copy engine. The image carries the bundled engine (npm run build:engine: one entry and
# the SDK file it loads only for deletes, build/engine/) and Node.js:
# no node_modules, no npm, no shell. Build: docker build -t bucketbridge .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-engine.mjs scripts/
COPY lib lib
RUN npm run build:engine

FROM gcr.io/distroless/nodejs20-debian12:nonroot
COPY --from=build /src/build/engine /app
USER nonroot
ENTRYPOINT ["/nodejs/bin/node", "--enable-source-maps", "/app/bucketbridge.cjs"]
CMD ["--help"]
