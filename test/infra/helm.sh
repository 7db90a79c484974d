#!/usr/bin/env bash
# Helm for the chart tests, built with `go install` into the git-ignored cache (no download of a
# prebuilt binary). Idempotent: a binary of the pinned version is reused.
#   test/infra/helm.sh fetch   build it if missing or of another version; prints HELM=<path> on stdout
#   test/infra/helm.sh path    print the path (exit 3 when not built yet)
# Environment: RINGBACK_INFRA_CACHE (default <repo>/.infra-cache); GOPROXY/GOFLAGS as the machine has them.
set -euo pipefail

HELM_VERSION="v3.22.0"
HELM_MODULE="helm.sh/helm/v3/cmd/helm"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="${RINGBACK_INFRA_CACHE:-$REPO_ROOT/.infra-cache}"
BIN="$CACHE_DIR/bin/helm"

log() { echo "helm: $*" >&2; }

binary_ok() {
  [[ -x "$BIN" ]] || return 1
  local out
  out="$("$BIN" version --template '{{.Version}}' 2>/dev/null)" || return 1
  [[ "$out" == "$HELM_VERSION" ]]
}

case "${1:-fetch}" in
  fetch)
    if binary_ok; then
      log "Helm $HELM_VERSION already built: $BIN"
    else
      command -v go >/dev/null 2>&1 || { log "Go is required to build Helm $HELM_VERSION"; exit 1; }
      mkdir -p "$CACHE_DIR/bin"
      log "building Helm $HELM_VERSION with go install (a few minutes the first time)"
      # The version is stamped the way Helm's Makefile does, so `helm version` reports it.
      GOBIN="$CACHE_DIR/bin" CGO_ENABLED=0 go install \
        -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
        "$HELM_MODULE@$HELM_VERSION" >"$CACHE_DIR/helm-build.log" 2>&1 ||
        { tail -n 30 "$CACHE_DIR/helm-build.log" >&2; exit 1; }
      binary_ok || { log "built binary does not report $HELM_VERSION"; "$BIN" version >&2 || true; exit 1; }
      log "built $BIN"
    fi
    echo "HELM=$BIN"
    ;;
  path)
    binary_ok || exit 3
    echo "$BIN"
    ;;
  *)
    echo "usage: $0 fetch|path" >&2
    exit 2
    ;;
esac
