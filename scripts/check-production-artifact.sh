#!/usr/bin/env bash
# Builds the service and runs it the way the Docker image's final stage does: production
# dependencies only, dist/ and data/, as an unprivileged user, with the Dockerfile's own CMD (which
# must equal `npm run start:prod`, the command the benches and the load test start). Checks
# readiness, /health, one compatible query and a clean exit (code 0) on SIGTERM. Needs only Node
# 20+ and util-linux.
#
# Usage: scripts/check-production-artifact.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
SERVER_PID=""
START_TIMEOUT_S=60
EXIT_TIMEOUT_S=20

log() { printf '[artifact] %s\n' "$*"; }
fail() {
  printf '[artifact] FAILED: %s\n' "$*" >&2
  if [[ -f "$WORK/server.log" ]]; then
    printf '[artifact] server output:\n' >&2
    cat "$WORK/server.log" >&2
  fi
  exit 1
}

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# GET a path and run a check on the JSON body; exits non-zero with a reason when it fails.
check_json() {
  local path="$1" check="$2"
  node -e '
    const [port, path, check] = process.argv.slice(1);
    fetch(`http://127.0.0.1:${port}${path}`)
      .then(async (response) => {
        const text = await response.text();
        const body = JSON.parse(text);
        if (!new Function("status", "body", `return (${check});`)(response.status, body)) {
          throw new Error(`${path} answered ${response.status}: ${text}`);
        }
      })
      .catch((error) => {
        console.error(error.message);
        process.exit(1);
      });
  ' "$PORT" "$path" "$check"
}

cd "$ROOT"
# The image's start command, word by word; the benches measure `npm run start:prod`, so the two
# must not drift apart.
IMAGE_CMD_WORDS="$(node -e '
  const { readFileSync } = require("node:fs");
  // Docker runs the last CMD of the file, the final stage one.
  const cmd = [...readFileSync("Dockerfile", "utf8").matchAll(/^CMD\s+(\[.*\])\s*$/gm)].pop();
  if (!cmd) throw new Error("the Dockerfile has no exec-form CMD");
  const words = JSON.parse(cmd[1]);
  const startProd = require("./package.json").scripts["start:prod"].trim().split(/\s+/);
  if (words.join(" ") !== startProd.join(" ")) {
    throw new Error(`Dockerfile CMD (${words.join(" ")}) differs from start:prod (${startProd.join(" ")})`);
  }
  console.log(words.join("\n"));
')" || fail "the image's start command is not npm run start:prod's"
mapfile -t IMAGE_CMD <<<"$IMAGE_CMD_WORDS"
if [[ ! -d node_modules ]]; then
  log "installing build dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
log "building (npm run build)"
npm run build

log "reproducing the image's final stage in $WORK"
cp package.json package-lock.json "$WORK/"
(cd "$WORK" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
cp -R dist data "$WORK/"
[[ ! -e "$WORK/node_modules/typescript" ]] || fail "dev dependencies were installed"
# mktemp creates a private folder; the service user only needs to read it.
chmod -R a+rX "$WORK"

RUN_AS=()
if [[ "$(id -u)" -eq 0 ]]; then
  # setpriv execs node directly, so SIGTERM reaches it and its exit code is ours to read.
  RUN_AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi

log "starting ${IMAGE_CMD[*]}${RUN_AS:+ as nobody}"
(
  cd "$WORK"
  exec "${RUN_AS[@]}" env PORT=0 LOG_FORMAT=json LOG_LEVEL=info NODE_ENV=production \
    "${IMAGE_CMD[@]}"
) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

PORT=""
for _ in $(seq 1 $((START_TIMEOUT_S * 10))); do
  PORT="$(sed -n 's/.*"msg":"Listening on port \([0-9]*\)".*/\1/p' "$WORK/server.log" | head -n 1)"
  [[ -n "$PORT" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited during start-up"
  sleep 0.1
done
[[ -n "$PORT" ]] || fail "the server did not listen within ${START_TIMEOUT_S}s"
if [[ ${#RUN_AS[@]} -gt 0 ]]; then
  [[ "$(stat -c %U "/proc/$SERVER_PID")" == "nobody" ]] || fail "the server does not run as nobody"
fi
log "listening on port $PORT"

ready=""
for _ in $(seq 1 $((START_TIMEOUT_S * 2))); do
  if check_json /health/ready 'status === 200 && body.status === "ok"' 2>/dev/null; then
    ready="yes"
    break
  fi
  sleep 0.5
done
[[ -n "$ready" ]] || fail "/health/ready did not answer 200"
log "ready"

check_json /health 'status === 200 && body.status === "ok" && body.rows > 0' ||
  fail "/health is not ok with rows"
check_json '/data_analysis?mean=true&include_ar=true' \
  'status === 200 && typeof body.AR?.mean === "number"' ||
  fail "the compatible query did not return AR.mean"
log "/health and /data_analysis answer"

# The explore page and every asset it links, uPlot included: they come from dist/ and the
# production node_modules, so a missing copy or dependency shows here.
node -e '
  const port = process.argv[1];
  const get = (path) => fetch(`http://127.0.0.1:${port}${path}`);
  (async () => {
    const page = await get("/explore");
    const html = await page.text();
    if (page.status !== 200 || !page.headers.get("content-type").startsWith("text/html")) {
      throw new Error(`/explore answered ${page.status} ${page.headers.get("content-type")}`);
    }
    const assets = [...html.matchAll(/(?:src|href)="(\/explore\/assets\/[^"]+)"/g)].map((m) => m[1]);
    if (!assets.some((path) => path.endsWith("/uPlot.iife.min.js"))) {
      throw new Error("/explore links no uPlot");
    }
    for (const path of assets) {
      const asset = await get(path);
      if (asset.status !== 200 || (await asset.arrayBuffer()).byteLength === 0) {
        throw new Error(`${path} answered ${asset.status}`);
      }
    }
  })().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
' "$PORT" || fail "the explore page or one of its assets is missing"
log "/explore and its assets answer"

kill -TERM "$SERVER_PID"
( sleep "$EXIT_TIMEOUT_S"; kill -KILL "$SERVER_PID" 2>/dev/null ) &
WATCHDOG_PID=$!
set +e
wait "$SERVER_PID"
EXIT_CODE=$?
set -e
kill "$WATCHDOG_PID" 2>/dev/null || true
SERVER_PID=""
[[ "$EXIT_CODE" -eq 0 ]] || fail "exit code $EXIT_CODE after SIGTERM (expected 0)"
grep -q '"msg":"Shut down cleanly in' "$WORK/server.log" || fail "no clean shutdown logged"
log "SIGTERM: exit code 0 ($(sed -n 's/.*"msg":"\(Shut down cleanly in [0-9]* ms\)".*/\1/p' "$WORK/server.log"))"
log "OK"
