# should-ai: one image for Slack, Discord, the job worker and the health endpoints.
# Build:  docker build -t should-ai .
#         (buildah bud / podman build: add --format docker, or the OCI format drops HEALTHCHECK)
# Run:    cp .env.example .env, set the tokens you use in it, then
#         docker run --env-file .env -p 3000:3000 -v should-ai-data:/data \
#           -v "$PWD/policies:/policies:ro" should-ai
#
# Layers, from the one that changes least: the user, the dependencies (rebuilt only when
# pyproject.toml or uv.lock change), the bot's code, the bundled policy, the warm caches.
# No build cache is kept: uv runs without a cache (UV_NO_CACHE), and uv itself is installed
# into /tmp and removed in the very step that uses it, so the image that runs has neither.
# (A stage for uv with `RUN --mount=from=...` would need BuildKit, and buildah 1.28 loses the
# mount when that stage comes from its layer cache.)
FROM python:3.11-slim

ARG UV_VERSION=0.13.9
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    XDG_CACHE_HOME=/app/.cache

# Created before anything is written for it, so nothing needs a chown (a chown -R copies every
# file it touches into a new layer).
RUN groupadd --gid 10001 shouldai \
    && useradd --create-home --uid 10001 --gid 10001 shouldai \
    && mkdir -p /data /app/.cache \
    && chown shouldai:shouldai /data /app/.cache

WORKDIR /app
# Dependencies first, from the lock alone: a change to the code or the README reuses this layer.
# Compiled to bytecode here, once, so no start of the container compiles them.
COPY pyproject.toml uv.lock ./
RUN pip install --no-cache-dir --quiet --root-user-action=ignore --target /tmp/uv "uv==$UV_VERSION" \
    && /tmp/uv/bin/uv sync --frozen --no-dev --no-install-project --compile-bytecode \
    && rm -rf /tmp/uv /tmp/uv-*.lock

# Then the project itself (a few kilobytes: its entry point and a path file), and our own
# bytecode, checked by hash so the timestamps a copy sets never make it stale.
COPY README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-cache-dir --quiet --root-user-action=ignore --target /tmp/uv "uv==$UV_VERSION" \
    && /tmp/uv/bin/uv sync --frozen --no-dev \
    && rm -rf /tmp/uv /tmp/uv-*.lock \
    && python -m compileall -q --invalidation-mode unchecked-hash bot handlers

COPY policies /policies

# Numeric, so an orchestrator can check it is not root (Kubernetes' runAsNonRoot).
USER 10001:10001
# Admins mount their own policy directory over /policies; edits are reloaded without a restart.
# /data holds the embedded Redis when SHOULD_AI_REDIS_URL is unset.
ENV PATH="/app/.venv/bin:$PATH" \
    SHOULD_AI_POLICY_DIR=/policies \
    SHOULD_AI_DATA_DIR=/data \
    SHOULD_AI_HTTP_PORT=3000

# Warm the model snapshot and the bundled policy's phrase and head caches, so the first start
# of a container takes about a second instead of several; an admin's own policy only adds its
# new phrases. Loading the policy is enough: no request is decided, so none is cached.
RUN should-ai policy validate >/dev/null

VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["should-ai", "health"]

CMD ["should-ai", "serve"]
