# syntax=docker/dockerfile:1
# Switchyard controller image: make image locally, .github/workflows/release.yml for linux/amd64 and linux/arm64.
#
# Both bases are pinned by digest so a rebuild of the same commit gets the same bytes; bump them deliberately (e.g.
# Renovate/Dependabot). Each digest was taken from public Dockerfiles that pin the same tag (several independent ones
# agree on each), not read from the registry itself, which this project's build machines cannot reach: the release
# workflow's first step checks that each one resolves to a multi-platform index with linux/amd64 and linux/arm64
# before anything is built. node:24-bookworm-slim@sha256:6f7b03f7… was published as Node.js 24.18.0.

# The build stage runs on the builder's own platform, never emulated: the bundle is JavaScript, platform-independent,
# and the production dependencies have no native addons and no install scripts (checked by
# test/unit/dockerfile.test.ts reading package-lock.json), so what is built here is right for every target platform.
FROM --platform=$BUILDPLATFORM node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency's install script runs on the machine that holds the registry credentials.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY scripts/bundle.ts scripts/build-controller.ts ./scripts/
# One ES module with every dependency the controller reaches, the CRD files it reads at start, the third-party
# licences and a source map (scripts/build-controller.ts says why a bundle: it halves resident memory).
RUN npx tsx scripts/build-controller.ts

# Distroless: Node.js and CA certificates only — no shell, no package manager, no npm or npx.
FROM gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="switchyard" \
      org.opencontainers.image.description="Kubernetes operator that automates multi-region failover" \
      org.opencontainers.image.source="https://github.com/switchyard-dev/switchyard" \
      org.opencontainers.image.url="https://github.com/switchyard-dev/switchyard" \
      org.opencontainers.image.documentation="https://github.com/switchyard-dev/switchyard/blob/main/README.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="Switchyard" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the controller's user: the process cannot change its own code.
COPY --from=build /src/dist/image ./
# Numeric, so the kubelet's runAsNonRoot check can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 8081
# No HEALTHCHECK: Kubernetes ignores it; the chart's probes use /healthz and /readyz on 8081.
ENTRYPOINT ["/nodejs/bin/node", "controller.mjs"]
