# studybridge container image.
# Build: docker build -t studybridge .   Run: docker run --rm -v $PWD/data:/data studybridge <command>
# Stage 1 installs production dependencies with the same lockfile CI uses; stage 2 copies them onto Node 24 slim.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The image already is Node 24, so the pinned `node` npm package is not needed at run time (dev dependency).
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production \
    STUDYBRIDGE_DATA_DIR=/data \
    STUDYBRIDGE_MAPPINGS_DIR=/app/mappings \
    STUDYBRIDGE_PROFILES_DIR=/app/profiles
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY bin ./bin
COPY mappings ./mappings
COPY profiles ./profiles
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# Deployments mount their own mappings over /app/mappings; the check fails fast on a broken set.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s CMD ["node", "src/cli/main.ts", "check-mappings"]
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["--help"]
