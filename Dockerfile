# Switchyard controller image. Build: make image (or docker build -t switchyard:dev .)
# Node.js 24 LTS, as the tests run on (.node-version): AWS SDK releases from 2027 need Node.js >= 22.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The CRD files are read at run time for the API constants; ship them beside the code.
COPY src/crds/*.yaml ./dist/crds/
USER 65532:65532
EXPOSE 8081
ENTRYPOINT ["node", "dist/runtime/main.js"]
