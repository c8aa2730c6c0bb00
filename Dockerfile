# usergraph: build with the dev toolchain, run with production dependencies only, as a non-root user.
#   docker build -t usergraph .
#   docker run -p 4000:4000 usergraph                      # demo mode: gateway + embedded simulators
#   docker run -p 4000:4000 -e USERGRAPH_MODE=production -e PASSBOLT_URL=https://passbolt.example.com usergraph
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
USER node
EXPOSE 4000
# Liveness without curl: the image has node.
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form): in-flight requests finish within SHUTDOWN_TIMEOUT_MS.
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["start"]
