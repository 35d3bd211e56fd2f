# syntax=docker/dockerfile:1
# One image per commit for the API and the migration job (seed 000): the job runs
#   dotnet /app/migrate/MigrateRunner.dll
# with DB_CONN from a job secret at run time and the migrations this same image carries. Nothing secret is built in.
# docs/image.md explains each stage and how the application's API is added; tests/Unit/Docs/DockerfileTests.cs
# checks the paths below against the job's command and the runner's defaults.

# ---- MigrateRunner: framework-dependent, ReadyToRun for the .NET 10 runtime of the final stage ----
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS runner-build
WORKDIR /src
# Project files first: the restore layer is reused until a project file changes.
COPY Directory.Build.props ./
COPY src/SchemaMigrate.Engine/SchemaMigrate.Engine.csproj src/SchemaMigrate.Engine/
COPY src/MigrateRunner/MigrateRunner.csproj src/MigrateRunner/
RUN dotnet restore src/MigrateRunner -r linux-x64 -p:PublishReadyToRun=true
COPY src/SchemaMigrate.Engine/ src/SchemaMigrate.Engine/
COPY src/MigrateRunner/ src/MigrateRunner/
RUN dotnet publish src/MigrateRunner -c Release -f net10.0 -r linux-x64 --self-contained false \
        -p:PublishReadyToRun=true --no-restore -o /app/migrate

# ---- The application's API (seed 000: `node dist/index.js`) ----
# This repository holds no API source, so this stage is a template: in the application's repository, uncomment it
# and the API lines of the final stage. It builds the API on the official Node image, whose node binary (built for
# glibc 2.28 and newer) then runs in the final stage's Ubuntu-based .NET image.
# FROM node:22-bookworm-slim AS api-build
# WORKDIR /src
# COPY package.json package-lock.json ./
# RUN npm ci
# COPY . .
# RUN npm run build && npm prune --omit=dev

# ---- The image: .NET 10 runtime (MigrateRunner needs no ASP.NET Core), the runner, the migrations ----
FROM mcr.microsoft.com/dotnet/runtime:10.0 AS final
WORKDIR /app
COPY --from=runner-build /app/migrate /app/migrate
COPY ops/migrations /app/ops/migrations
ENV MIGRATIONS_DIR=/app/ops/migrations
# The API, from the api-build stage above:
# COPY --from=api-build /usr/local/bin/node /usr/local/bin/node
# COPY --from=api-build /src/package.json /app/package.json
# COPY --from=api-build /src/node_modules /app/node_modules
# COPY --from=api-build /src/dist /app/dist
# The non-root user the .NET images define (APP_UID=1654, user "app").
USER $APP_UID
# The job sets its own command (seed 003); with the API added, its default becomes CMD ["node", "dist/index.js"].
CMD ["dotnet", "/app/migrate/MigrateRunner.dll"]
