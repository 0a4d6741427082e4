# studybridge container image.
# Build: docker build -t studybridge .
# Run:   docker run --rm -p 2575:2575 -p 8080:8080 -v $PWD/data:/data -e STUDYBRIDGE_API_TOKEN=... studybridge
#        (the default command is `serve`; any other command works too: `docker run ... studybridge messages`)
# Stage 1 installs production dependencies with the same lockfile CI uses; stage 2 copies them onto Node 24 slim.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The image already is Node 24, so the pinned `node` npm package is not needed at run time (dev dependency).
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
# Inside a container the listeners must bind every interface; the HTTP API then requires STUDYBRIDGE_API_TOKEN
# (the service refuses to start without one off loopback).
ENV NODE_ENV=production \
    STUDYBRIDGE_DATA_DIR=/data \
    STUDYBRIDGE_MLLP_HOST=0.0.0.0 \
    STUDYBRIDGE_HTTP_HOST=0.0.0.0 \
    STUDYBRIDGE_MAPPINGS_DIR=/app/mappings \
    STUDYBRIDGE_PROFILES_DIR=/app/profiles
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY bin ./bin
COPY mappings ./mappings
COPY profiles ./profiles
# The compact R4 definitions the validator reads, built into the image: node_modules is not writable by `node`,
# and without the cache every start would parse the full definitions (about 0.3 s and 200 MB more).
RUN node src/validate/compact-definitions.ts && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 2575 8080
# /health answers once the HTTP API is up; /ready would also fail while the FHIR target is down, which is not a
# reason to restart this container (messages keep being accepted and queued).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.STUDYBRIDGE_HTTP_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop) stops the service gracefully within STUDYBRIDGE_SHUTDOWN_GRACE_MS (default 10 s); node is
# PID 1 here, so signals reach it directly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["serve"]
